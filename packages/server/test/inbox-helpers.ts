/**
 * Inbox test helpers, on top of `helpers.ts`: notifications created through the real HTTP API,
 * inbox reads and changes as a client (JWT), users with several real sockets, and a delivery
 * barrier. Like `helpers.ts`, nothing here reaches into the server.
 */
import { expect } from 'vitest';
import type { Notification, NotificationDeleted, NotificationUpdated } from '@herald/protocol';
import { connect, publish, request, signToken, type Claims, type Client, type Herald, type HttpAnswer, type WireMessage } from './helpers.js';

export type InboxAction = 'read' | 'seen' | 'archive' | 'unarchive' | 'delete';

export interface NotificationRef {
  id: string;
  channel: string;
  seq: number;
}

export interface InboxPageBody {
  items: Notification[];
  nextCursor: string | null;
  unread: number;
}

/** A user of the test: its token and the sockets it opened. */
export interface User {
  sub: string;
  token: string;
  claims: Claims;
}

/** A user whose token is signed with the server's secret. */
export async function user(h: Herald, sub: string, claims: Omit<Claims, 'sub'> = {}): Promise<User> {
  const all = { sub, ...claims };
  return { sub, token: await signToken(h, all), claims: all };
}

/** A socket of `u`, connected over WebSocket, recording everything it receives. */
export function socketOf(h: Herald, u: User): Promise<Client> {
  return connect(h, u.token, ['websocket']);
}

/** POST /v1/notifications with the API key; fails unless it answers 201. */
export async function notify(h: Herald, body: Record<string, unknown>): Promise<NotificationRef[]> {
  const res = await request<{ notifications: NotificationRef[] }>(h, 'POST', '/v1/notifications', body);
  if (res.status !== 201) throw new Error(`notify answered ${res.status}: ${res.text}`);
  return res.body.notifications;
}

/** One notification to one channel; answers its id. */
export async function notifyOne(h: Herald, channel: string, extra: Record<string, unknown> = {}): Promise<string> {
  const refs = await notify(h, { to: [channel], type: 'test:note', title: `note on ${channel}`, ...extra });
  expect(refs).toHaveLength(1);
  expect(refs[0]!.channel).toBe(channel);
  return refs[0]!.id;
}

/** GET /v1/inbox as `u`; fails unless it answers 200. */
export async function inbox(h: Herald, u: User, query: Record<string, string | number> = {}): Promise<InboxPageBody> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const res = await request<InboxPageBody>(h, 'GET', `/v1/inbox${qs ? `?${qs}` : ''}`, undefined, { auth: u.token });
  if (res.status !== 200) throw new Error(`inbox answered ${res.status}: ${res.text}`);
  return res.body;
}

/** Every item of `u`'s inbox for a filter, paging with `limit`; also answers each page. */
export async function inboxAll(
  h: Herald,
  u: User,
  query: Record<string, string | number> = {},
  limit = 100,
): Promise<{ items: Notification[]; pages: InboxPageBody[] }> {
  const items: Notification[] = [];
  const pages: InboxPageBody[] = [];
  let before: string | null = null;
  for (let i = 0; i < 10_000; i++) {
    const page = await inbox(h, u, { ...query, limit, ...(before ? { before } : {}) });
    pages.push(page);
    items.push(...page.items);
    before = page.nextCursor;
    if (before === null) break;
  }
  return { items, pages };
}

/** GET /v1/inbox/unread-count as `u`. */
export async function unreadCount(h: Herald, u: User): Promise<number> {
  const res = await request<{ unread: number }>(h, 'GET', '/v1/inbox/unread-count', undefined, { auth: u.token });
  if (res.status !== 200) throw new Error(`unread-count answered ${res.status}: ${res.text}`);
  expect(Object.keys(res.body)).toEqual(['unread']);
  return res.body.unread;
}

/** POST /v1/inbox/{action} as `u` (raw answer). */
export function act(h: Herald, u: User, action: InboxAction | 'read-all', body: unknown): Promise<HttpAnswer> {
  return request(h, 'POST', `/v1/inbox/${action}`, body, { auth: u.token });
}

/** POST /v1/inbox/{action} as `u`; fails unless it answers 200; answers `{ updated, unread }`. */
export async function actOk(h: Herald, u: User, action: InboxAction | 'read-all', body: unknown): Promise<{ updated: number; unread: number }> {
  const res = await act(h, u, action, body);
  if (res.status !== 200) throw new Error(`${action} answered ${res.status}: ${res.text}`);
  expect(Object.keys(res.body).sort()).toEqual(['unread', 'updated']);
  return res.body;
}

/** An error answer with this status and code, in the catalogue's shape. */
export function expectError(res: HttpAnswer, status: number, code: string, what = ''): void {
  expect(res.status, `${what} ${res.text}`).toBe(status);
  expect(res.body?.error?.code, `${what} ${res.text}`).toBe(code);
  expect(typeof res.body.error.message, what).toBe('string');
}

/** A failed socket ack with this code. */
export function expectAckError(ack: any, code: string, what = ''): void {
  expect(ack, what).toMatchObject({ ok: false, error: { code } });
  expect(typeof ack.error.message, what).toBe('string');
}

/** The inbox traffic (`notification:updated` / `notification:deleted`) a client got on `user:{sub}`. */
export function inboxTraffic(c: Client, sub: string): WireMessage[] {
  return c.on(`user:${sub}`).filter((m) => m.event === 'notification:updated' || m.event === 'notification:deleted');
}

export type UpdatedMessage = WireMessage & { data: NotificationUpdated };
export type DeletedMessage = WireMessage & { data: NotificationDeleted };

/** `notification:new` messages a client received, by notification id. */
export function newIds(c: Client): string[] {
  return c.received.filter((m) => m.event === 'notification:new').map((m) => (m.data as Notification).id);
}

let barriers = 0;

/**
 * Wait until every client has received a fresh `broadcast` message. The single-node bus hands
 * messages to sockets synchronously in publish order, so anything published before the barrier
 * and meant for a client has reached it once the barrier has.
 */
export async function barrier(h: Herald, clients: Client[]): Promise<void> {
  const marker = `barrier-${process.pid}-${++barriers}`;
  await publish(h, { channel: 'broadcast', event: 'test:barrier', data: { marker } });
  await Promise.all(
    clients.map((c) => c.waitFor((m) => m.event === 'test:barrier' && (m.data as { marker: string }).marker === marker, 5000, marker)),
  );
}

/** The ULIDs of a list, checked to be strictly descending. */
export function expectStrictlyDescending(ids: string[]): void {
  for (let i = 1; i < ids.length; i++) {
    if (!(ids[i - 1]! > ids[i]!)) throw new Error(`ids not strictly descending at ${i}: ${ids[i - 1]} then ${ids[i]}`);
  }
}
