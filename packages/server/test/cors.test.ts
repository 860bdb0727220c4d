/**
 * HERALD_CORS_ORIGINS (SPEC §6): listed origins may call the HTTP API and open sockets
 * cross-origin; others get no CORS grant. Unset: no origin is granted.
 */
import { describe, expect, it } from 'vitest';
import { startHerald } from './helpers.js';

async function preflight(url: string, origin: string) {
  return fetch(`${url}/v1/sync`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
  });
}

describe('CORS', () => {
  it('grants a listed origin and no other, on the HTTP API and the Socket.IO endpoint', async () => {
    const h = await startHerald({ HERALD_CORS_ORIGINS: 'https://app.example.com' });
    const ok = await preflight(h.url, 'https://app.example.com');
    expect(ok.status).toBeLessThan(300);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect((ok.headers.get('access-control-allow-headers') ?? '').toLowerCase()).toContain('authorization');
    const other = await preflight(h.url, 'https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const polling = (origin: string) => fetch(`${h.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    expect((await polling('https://app.example.com')).headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect((await polling('https://evil.example.com')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('grants no origin when HERALD_CORS_ORIGINS is unset', async () => {
    const h = await startHerald();
    const res = await preflight(h.url, 'https://app.example.com');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const polling = await fetch(`${h.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://app.example.com' } });
    expect(polling.headers.get('access-control-allow-origin')).toBeNull();
  });
});
