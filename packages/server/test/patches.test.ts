/**
 * Herald's patches of library internals (`src/gateway/patches.ts`) all take effect on the
 * installed engine.io, ws, socket.io, socket.io-parser and Node: this file fails when an upgrade
 * turns one off, naming it. The same status is on `/metrics` as
 * `herald_library_patch_active{patch}`, and stays 1 while real clients connect over WebSocket and
 * long-polling.
 */
import { describe, expect, it } from 'vitest';
import { detectPatches, PATCHES } from '../src/gateway/patches.js';
import { connect, request, signToken, startHerald, type Herald } from './helpers.js';

async function patchGauges(h: Herald): Promise<Record<string, number>> {
  const res = await request(h, 'GET', '/metrics', undefined, { auth: null });
  const out: Record<string, number> = {};
  for (const m of (res.text as string).matchAll(/^herald_library_patch_active\{patch="([^"]+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

describe('library patches', () => {
  it('every patch takes effect on the installed libraries', async () => {
    const status = await detectPatches();
    const inactive = PATCHES.filter((p) => !status[p]);
    expect(inactive).toEqual([]);
  });

  it('reports each patch on /metrics, and connections over both transports keep them active', async () => {
    const h = await startHerald();
    const all = Object.fromEntries(PATCHES.map((p) => [p, 1]));
    expect(await patchGauges(h)).toEqual(all);
    const ws = await connect(h, await signToken(h, { sub: 'patch-ws' }));
    const polling = await connect(h, await signToken(h, { sub: 'patch-polling' }), ['polling']);
    const upgraded = await connect(h, await signToken(h, { sub: 'patch-upgrade' }), ['polling', 'websocket']);
    await ws.subscribe('broadcast');
    await polling.subscribe('broadcast');
    await upgraded.subscribe('broadcast');
    expect(await patchGauges(h)).toEqual(all);
  });
});
