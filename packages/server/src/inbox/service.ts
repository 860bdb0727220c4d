/**
 * The inbox: notifications addressed to channels, read by every entitled user with their own
 * state. Storage commits each change with its `notification:*` message; this service validates,
 * resolves whose inbox, and hands those messages to the bus.
 */
import {
  HeraldError,
  INBOX_ACTIONS,
  inboxIdsBodySchema,
  inboxReadAllBodySchema,
  type CreateNotificationBody,
  type InboxAction,
  type InboxPage,
  type InboxQuery,
  type InboxUpdateResult,
  type PublishedRef,
} from '@herald/protocol';
import { inboxChannels, isEntitled, type ClientPrincipal } from '../auth/index.js';
import { encodeData, type Publisher } from '../channels/publisher.js';
import type { InboxChange, InboxViewer, Store } from '../store/index.js';
import { fingerprint } from '../util/fingerprint.js';
import { parsePayload } from '../util/validate.js';

export interface Inbox {
  create(body: CreateNotificationBody): Promise<{ notifications: PublishedRef[] }>;
  list(principal: ClientPrincipal, query: InboxQuery): Promise<InboxPage>;
  unreadCount(principal: ClientPrincipal): Promise<{ unread: number }>;
  change(principal: ClientPrincipal, action: InboxAction, ids: readonly string[]): Promise<InboxUpdateResult>;
  readAll(principal: ClientPrincipal, before: string | undefined): Promise<InboxUpdateResult>;
  preferences(principal: ClientPrincipal): Promise<{ mutedTypes: string[] }>;
  setPreferences(principal: ClientPrincipal, mutedTypes: readonly string[]): Promise<{ mutedTypes: string[] }>;
  /** Socket events `inbox:*`, each validating its payload with the protocol's schema. */
  readonly socketOperations: Record<string, (principal: ClientPrincipal, payload: unknown) => Promise<object>>;
}

/**
 * Whose inbox a client sees (SPEC §2): its own channel, its roles', broadcast, and each exact
 * channel its token names (a `ns:*` grant opens channels to subscribe, not an inbox).
 */
export function inboxViewer(principal: ClientPrincipal): InboxViewer {
  const exact = principal.channels.filter((c) => !c.endsWith(':*') && isEntitled(principal, c));
  return { sub: principal.sub, channels: [...new Set([...inboxChannels(principal), ...exact])] };
}


export function createInbox(store: Store, publisher: Publisher): Inbox {
  const deliver = ({ updated, unread, message }: InboxChange): InboxUpdateResult => {
    if (message) publisher.announce([message]);
    return { updated, unread };
  };

  const inbox: Omit<Inbox, 'socketOperations'> = {
    async create(body) {
      const { idempotencyKey, ...rest } = body;
      // "In the future" is checked by the store, after the idempotency lookup: a retry of a
      // notification that has since expired still gets its original answer.
      const expiresAt = body.expiresAt === undefined ? undefined : Date.parse(body.expiresAt);
      const data = body.data === undefined ? undefined : encodeData(body.data).data;
      const outcome = await store.inbox.create({
        to: body.to,
        type: body.type,
        title: body.title,
        body: body.body,
        data,
        actionUrl: body.actionUrl,
        priority: body.priority,
        expiresAt,
        idempotency:
          idempotencyKey === undefined
            ? undefined
            : { key: `notify:${idempotencyKey}`, fingerprint: fingerprint(rest) },
      });
      if (outcome.kind === 'conflict') throw new HeraldError('IDEMPOTENCY_CONFLICT');
      if (outcome.kind === 'stored') publisher.announce(outcome.messages);
      return { notifications: outcome.refs };
    },

    list: (principal, query) => store.inbox.list(inboxViewer(principal), query),

    async unreadCount(principal) {
      return { unread: await store.inbox.unreadCount(inboxViewer(principal)) };
    },

    async change(principal, action, ids) {
      return deliver(await store.inbox.update(inboxViewer(principal), action, ids));
    },

    async readAll(principal, before) {
      return deliver(await store.inbox.readAll(inboxViewer(principal), before === undefined ? undefined : Date.parse(before)));
    },

    preferences: (principal) => store.inbox.getPreferences(principal.sub),

    async setPreferences(principal, mutedTypes) {
      const { message, ...result } = await store.inbox.setPreferences(inboxViewer(principal), mutedTypes);
      publisher.announce([message]);
      return { mutedTypes: result.mutedTypes };
    },
  };

  const socketOperations: Inbox['socketOperations'] = {
    'inbox:read-all': (principal, payload) => inbox.readAll(principal, parsePayload(inboxReadAllBodySchema, payload ?? {}).before),
  };
  for (const action of INBOX_ACTIONS) {
    socketOperations[`inbox:${action}`] = (principal, payload) => inbox.change(principal, action, parsePayload(inboxIdsBodySchema, payload).ids);
  }
  return { ...inbox, socketOperations };
}
