import {
  BROADCAST_CHANNEL,
  channelParamsSchema,
  HeraldError,
  historyQuerySchema,
  historyResponseSchema,
  presenceResponseSchema,
  type HistoryQuery,
} from '@herald/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isEntitled } from '../../auth/index.js';
import type { Store } from '../../store/index.js';
import type { AuthHooks } from '../auth.js';
import { errorAnswers } from '../openapi.js';

interface Deps {
  auth: AuthHooks;
  store: Store;
  /** Who is on a channel, over every node. */
  presence: (channel: string) => Promise<{ clients: number; users: string[] }>;
}

function entitledChannel(request: FastifyRequest<{ Params: { channel: string } }>): string {
  const { channel } = request.params;
  if (!isEntitled(request.principal!, channel)) throw new HeraldError('CHANNEL_FORBIDDEN', undefined, { channel });
  return channel;
}

export function channelRoutes(app: FastifyInstance, { auth, store, presence: presenceOf }: Deps): void {
  app.get<{ Params: { channel: string }; Querystring: HistoryQuery }>(
    '/v1/channels/:channel/history',
    {
      schema: {
        summary: 'Stored messages of a channel: after `since`, or the newest ones',
        tags: ['channels'],
        operationId: 'history',
        params: channelParamsSchema,
        querystring: historyQuerySchema,
        response: { 200: historyResponseSchema, ...errorAnswers('CHANNEL_FORBIDDEN') },
      },
      onRequest: auth.any,
    },
    async (request) => {
      const channel = entitledChannel(request);
      const { since, limit } = request.query;
      const [messages, states] = await Promise.all([
        since === undefined ? store.readLatest(channel, limit) : store.read(channel, since, limit),
        store.channelStates([channel]),
      ]);
      return { messages, head: Math.max(states.get(channel)!.head, messages.at(-1)?.seq ?? 0) };
    },
  );

  app.get<{ Params: { channel: string } }>(
    '/v1/channels/:channel/presence',
    {
      schema: {
        summary: 'Who is subscribed to a channel, over every node',
        tags: ['channels'],
        operationId: 'presence',
        params: channelParamsSchema,
        response: { 200: presenceResponseSchema, ...errorAnswers('CHANNEL_FORBIDDEN') },
      },
      onRequest: auth.any,
    },
    async (request) => {
      const channel = entitledChannel(request);
      const presence = await presenceOf(channel);
      // Every client may read `broadcast`, and every socket is on it: its user list would be a
      // directory of who is online. Clients get the count; the back end (API key) gets the list.
      if (channel === BROADCAST_CHANNEL && request.principal?.kind === 'client') return { clients: presence.clients, users: [] };
      return presence;
    },
  );
}
