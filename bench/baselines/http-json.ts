/** The baselines' tiny HTTP layer: read a JSON body, answer JSON. (A tutorial would use express.) */
import type { IncomingMessage, ServerResponse } from 'node:http';

export function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString() || 'null'));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

export function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A message shaped like Herald's, so every server sends frames of the same size. */
export interface BaselineMessage {
  id: string;
  channel: string;
  seq: number;
  event: string;
  data: unknown;
  ts: number;
}

export interface PublishItem {
  event: string;
  data: unknown;
}

/** Numbers each channel's messages like Herald's seq (in memory: baselines store nothing). */
export function sequencer(): (channel: string, item: PublishItem) => BaselineMessage {
  const heads = new Map<string, number>();
  let n = 0;
  const prefix = Date.now().toString(36);
  return (channel, item) => {
    const seq = (heads.get(channel) ?? 0) + 1;
    heads.set(channel, seq);
    return { id: `${prefix}-${++n}`, channel, seq, event: item.event, data: item.data ?? null, ts: Date.now() };
  };
}
