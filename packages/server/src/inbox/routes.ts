import {
  createNotificationBodySchema,
  createNotificationsResponseSchema,
  INBOX_ACTIONS,
  inboxIdsBodySchema,
  inboxPageSchema,
  inboxQuerySchema,
  inboxReadAllBodySchema,
  inboxUpdateResultSchema,
  preferencesBodySchema,
  preferencesResponseSchema,
  unreadCountSchema,
  type CreateNotificationBody,
  type InboxIdsBody,
  type InboxQuery,
  type InboxReadAllBody,
  type Preferences,
} from '@herald/protocol';
import type { FastifyInstance } from 'fastify';
import { clientOf, type AuthHooks } from '../http/auth.js';
import { errorAnswers } from '../http/openapi.js';
import type { Inbox } from './service.js';

export function inboxRoutes(app: FastifyInstance, { auth, inbox }: { auth: AuthHooks; inbox: Inbox }): void {
  const tags = ['inbox'];
  app.post<{ Body: CreateNotificationBody }>(
    '/v1/notifications',
    {
      schema: {
        summary: "Create a notification in the inboxes of its channels' users",
        tags,
        operationId: 'createNotification',
        body: createNotificationBodySchema,
        response: { 201: createNotificationsResponseSchema, ...errorAnswers('DATA_TOO_LARGE', 'IDEMPOTENCY_CONFLICT') },
      },
      onRequest: auth.server,
    },
    async (request, reply) => reply.status(201).send(await inbox.create(request.body)),
  );

  app.get<{ Querystring: InboxQuery }>(
    '/v1/inbox',
    {
      schema: {
        summary: "A page of the caller's inbox, newest first",
        tags,
        operationId: 'inbox',
        querystring: inboxQuerySchema,
        response: { 200: inboxPageSchema },
      },
      onRequest: auth.client,
    },
    async (request) => inbox.list(clientOf(request), request.query),
  );

  app.get(
    '/v1/inbox/unread-count',
    {
      schema: { summary: "The caller's unread count", tags, operationId: 'unreadCount', response: { 200: unreadCountSchema } },
      onRequest: auth.client,
    },
    async (request) => inbox.unreadCount(clientOf(request)),
  );

  for (const action of INBOX_ACTIONS) {
    app.post<{ Body: InboxIdsBody }>(
      `/v1/inbox/${action}`,
      {
        schema: {
          summary: `${action[0]!.toUpperCase()}${action.slice(1)} notifications of the caller's inbox`,
          tags,
          operationId: `inbox${action[0]!.toUpperCase()}${action.slice(1)}`,
          body: inboxIdsBodySchema,
          // NOT_FOUND: an id that is not in the caller's inbox (`details: { ids }`); nothing changes.
          response: { 200: inboxUpdateResultSchema, ...errorAnswers('NOT_FOUND') },
        },
        onRequest: auth.client,
      },
      async (request) => inbox.change(clientOf(request), action, request.body.ids),
    );
  }

  app.post<{ Body: InboxReadAllBody | null | undefined }>(
    '/v1/inbox/read-all',
    // The body is optional: fastify hands a missing body to the schema as null.
    {
      schema: {
        summary: 'Mark read every unread notification created at or before `before` (default now)',
        tags,
        operationId: 'inboxReadAll',
        body: inboxReadAllBodySchema.nullish(),
        response: { 200: inboxUpdateResultSchema },
      },
      onRequest: auth.client,
    },
    async (request) => inbox.readAll(clientOf(request), request.body?.before),
  );

  app.get(
    '/v1/preferences',
    {
      schema: { summary: "The caller's muted notification types", tags, operationId: 'preferences', response: { 200: preferencesResponseSchema } },
      onRequest: auth.client,
    },
    async (request) => inbox.preferences(clientOf(request)),
  );

  app.put<{ Body: Preferences }>(
    '/v1/preferences',
    {
      schema: {
        summary: 'Replace the muted types; answers them sorted, without duplicates',
        tags,
        operationId: 'setPreferences',
        body: preferencesBodySchema,
        response: { 200: preferencesResponseSchema },
      },
      onRequest: auth.client,
    },
    async (request) => inbox.setPreferences(clientOf(request), request.body.mutedTypes),
  );
}
