/**
 * The cluster harness itself: `startRedis` restarts an empty Redis on the same port; the nginx
 * configuration is `deploy/nginx/herald.conf` with only the node list and the listen port
 * replaced, and a sample without its markers is refused rather than silently left untested.
 */
import fs from 'node:fs';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HERALD_CONF, heraldConf } from './nginx.js';
import { startRedis } from './redis.js';

describe('cluster harness', () => {
  it('restarts its own Redis on the same port, empty', async () => {
    const redis = await startRedis();
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100, lazyConnect: true });
    client.on('error', () => {});
    onTestFinished(() => client.disconnect());
    await client.connect();
    await client.set('k', 'v');
    await redis.stop();
    await expect(client.ping()).rejects.toThrow();
    await redis.restart();
    await expect.poll(() => client.ping().catch(() => 'down'), { timeout: 5000 }).toBe('PONG');
    expect(await client.get('k')).toBeNull();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
  });

  it('tests the sample nginx configuration with only the nodes and the listen port replaced', () => {
    const sample = fs.readFileSync(HERALD_CONF, 'utf8');
    const conf = heraldConf(sample, ['127.0.0.1:5001', '127.0.0.1:5002'], '127.0.0.1:8081');
    const changed = (text: string) => text.split('\n').filter((l) => /^\s*(server \S+:\d+ |listen )/.test(l));
    expect(changed(conf)).toEqual([
      '    server 127.0.0.1:5001 max_fails=3 fail_timeout=10s;',
      '    server 127.0.0.1:5002 max_fails=3 fail_timeout=10s;',
      '    listen 127.0.0.1:8081;  # herald listen',
    ]);
    // Every other line is the sample's, in order.
    const rest = (text: string) => text.split('\n').filter((l) => !/^\s*(server \S+:\d+ |listen )/.test(l));
    expect(rest(conf)).toEqual(rest(sample));
    expect(() => heraldConf(sample.replace('# BEGIN herald nodes', '# nodes'), ['127.0.0.1:1'], '127.0.0.1:2')).toThrow(/BEGIN herald nodes/);
    expect(() => heraldConf(sample.replace('# herald listen', ''), ['127.0.0.1:1'], '127.0.0.1:2')).toThrow(/herald listen/);
  });
});
