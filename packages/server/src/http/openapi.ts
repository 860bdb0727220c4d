/**
 * The OpenAPI 3.1 document of Herald's HTTP API, served at `/openapi.json` and, through Swagger UI,
 * at `/docs`. It is generated from the routes themselves: their zod schemas (request and answer,
 * from `@herald/protocol`) converted to JSON Schema 2020-12, the security of the auth hook each
 * route runs, and the error codes it can answer. Nothing is written twice by hand.
 *
 * The answer schemas document; they do not serialize: answers are still `JSON.stringify`-ed (see
 * `installZodValidation`), so a field is never dropped on the way out and the publish path keeps
 * its cost. The tests check real answers against this document instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ERROR_CODES, ERRORS, errorResponseSchema, type ErrorCode } from '@herald/protocol';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { z } from 'zod';
import { authKindOf, type AuthKind } from './auth.js';

/** Where Swagger UI is served. */
export const DOCS_PREFIX = '/docs';
/** Where the document is served as JSON (also at `/docs/json`, and as YAML at `/docs/yaml`). */
export const OPENAPI_PATH = '/openapi.json';

/** Herald's mark in Swagger UI's top bar (instead of fastify's): the demo's diamond and the name. */
const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32" viewBox="0 0 120 32">' +
  '<path d="M10 6 L18 16 L10 26 L2 16 Z" fill="#7c83ff"/>' +
  '<text x="26" y="23" font-family="system-ui, sans-serif" font-size="20" font-weight="700" fill="#ffffff">Herald</text></svg>';

/** The security schemes: two Bearer credentials, told apart by what they are, not by header. */
const SECURITY_SCHEMES = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description:
      'A server API key, one of `HERALD_API_KEYS`: `Authorization: Bearer <key>`. For the application back end only; never ship it to a browser.',
  },
  clientToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'A client JWT with claims `sub`, `roles?`, `channels?`, `exp`: HS256 with `HERALD_JWT_SECRET`, or RS256/ES256 from `HERALD_JWKS_URL`. ' +
      'Mint one with `POST /v1/tokens`.',
  },
} as const;

const SECURITY: Record<AuthKind, Record<string, string[]>[]> = {
  server: [{ apiKey: [] }],
  client: [{ clientToken: [] }],
  any: [{ apiKey: [] }, { clientToken: [] }],
};

/** Codes every route of a kind can answer: its auth hook's, and the per-credential rate limit. */
const AUTH_ERRORS: Record<AuthKind, ErrorCode[]> = {
  server: ['AUTH_REQUIRED', 'AUTH_INVALID', 'FORBIDDEN', 'RATE_LIMITED'],
  client: ['AUTH_REQUIRED', 'AUTH_INVALID', 'AUTH_EXPIRED', 'FORBIDDEN', 'RATE_LIMITED'],
  any: ['AUTH_REQUIRED', 'AUTH_INVALID', 'AUTH_EXPIRED', 'RATE_LIMITED'],
};
/** Codes of reading and checking a JSON body. */
const BODY_ERRORS: ErrorCode[] = ['VALIDATION_FAILED', 'INVALID_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE'];
/** Codes any route can answer: an unexpected failure, or the server shutting down. */
const ALWAYS: ErrorCode[] = ['INTERNAL', 'UNAVAILABLE'];

/**
 * A route's error answers beyond the ones every route of its kind has (auth, body, rate limit):
 * `{ [status]: schema }`, one schema per HTTP status whose `code` lists that status's codes.
 * @example schema: { response: { 200: publishResponseSchema, ...errorAnswers('DATA_TOO_LARGE', 'IDEMPOTENCY_CONFLICT') } }
 */
export function errorAnswers(...codes: ErrorCode[]): Record<number, z.ZodType> {
  const out: Record<number, z.ZodType> = {};
  for (const [status, group] of byStatus(codes)) out[status] = errorResponseSchema(group);
  return out;
}

function byStatus(codes: Iterable<ErrorCode>): Map<number, ErrorCode[]> {
  const groups = new Map<number, ErrorCode[]>();
  // In catalogue order, so the document reads the same every time.
  const wanted = new Set(codes);
  for (const code of ERROR_CODES) {
    if (!wanted.has(code)) continue;
    const status = ERRORS[code].status;
    groups.set(status, [...(groups.get(status) ?? []), code]);
  }
  return groups;
}

const isZod = (s: unknown): s is z.ZodType => typeof s === 'object' && s !== null && '_zod' in s;

type JsonSchema = Record<string, unknown>;

/** A route schema part as JSON Schema 2020-12 (what OpenAPI 3.1 uses): requests as accepted, answers as sent. */
function toJsonSchema(schema: unknown, io: 'input' | 'output'): JsonSchema {
  if (!isZod(schema)) return schema as JsonSchema;
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return json;
}

/** The codes a declared error answer lists (`errorAnswers`). */
function codesOf(schema: unknown): ErrorCode[] {
  const json = toJsonSchema(schema, 'output') as { properties?: { error?: { properties?: { code?: { enum?: ErrorCode[] } } } } };
  return json.properties?.error?.properties?.code?.enum ?? [];
}

/** A success answer: a zod schema, or `{ description, content: { type: { schema } } }` for non-JSON. */
function successAnswer(answer: unknown): JsonSchema {
  if (isZod(answer)) {
    const json = toJsonSchema(answer, 'output');
    return { description: (json.title as string | undefined) ?? 'OK', ...json };
  }
  const { content, ...rest } = answer as { content?: Record<string, { schema: unknown }> };
  if (!content) return rest;
  const converted = Object.fromEntries(Object.entries(content).map(([type, media]) => [type, { ...media, schema: toJsonSchema(media.schema, 'output') }]));
  return { ...rest, content: converted };
}

/**
 * A body schema that also accepts nothing (`z.nullish()`: fastify hands a missing body to it as
 * null) is documented as its object, with the request body optional.
 */
function optionalBody(json: JsonSchema): JsonSchema | undefined {
  const anyOf = json.anyOf as JsonSchema[] | undefined;
  if (!anyOf) return undefined;
  const rest = anyOf.filter((s) => s.type !== 'null');
  return rest.length === 1 && rest.length < anyOf.length ? rest[0] : undefined;
}

/** Register the document (before any route, so every route is seen) and its two pages. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  // A path, not a URL object: under a DOM-like test environment `URL` is not Node's, and fs refuses it.
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8')) as {
    version: string;
  };
  const optionalBodies = new Set<string>();

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Herald HTTP API',
        version: pkg.version,
        summary: 'Durable channels, exactly-once delivery, a persistent inbox.',
        description:
          'Every error answers `{ "error": { "code", "message", "details"? } }`: branch on `code`, never on `message`. ' +
          'The Socket.IO side (path `/socket.io`: events, acknowledgements, the handshake and what a non-JavaScript client needs), ' +
          'ordering, idempotency and limits are described in `docs/protocol.md` of the Herald repository.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      tags: [
        { name: 'publish', description: 'Store and deliver messages (API key)' },
        { name: 'tokens', description: 'Client tokens (API key)' },
        { name: 'channels', description: 'History and presence of a channel' },
        { name: 'sync', description: 'Catching up and long-polling over HTTP' },
        { name: 'inbox', description: 'Notifications and per-user inbox state' },
        { name: 'operations', description: 'Stats, health, readiness, metrics' },
      ],
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform({ schema, url, route }) {
      const s = schema as (FastifySchema & Record<string, unknown>) | undefined;
      if (!s || s.hide) return { schema: s as FastifySchema, url };
      const kind = authKindOf((route as RouteOptions).onRequest);
      const out: Record<string, unknown> = { ...s };
      for (const part of ['querystring', 'params', 'headers'] as const) if (s[part]) out[part] = toJsonSchema(s[part], 'input');
      if (s.body) {
        const json = toJsonSchema(s.body, 'input');
        const inner = optionalBody(json);
        if (inner) optionalBodies.add(`${(route as RouteOptions).method} ${url}`);
        out.body = inner ?? json;
      }
      const codes = new Set<ErrorCode>([
        ...(kind ? AUTH_ERRORS[kind] : []),
        ...(s.body ? BODY_ERRORS : []),
        ...(s.querystring || s.params ? (['VALIDATION_FAILED'] as const) : []),
        ...ALWAYS,
      ]);
      const response: Record<string, unknown> = {};
      for (const [status, answer] of Object.entries((s.response ?? {}) as Record<string, unknown>)) {
        if (Number(status) >= 400) for (const code of codesOf(answer)) codes.add(code);
        else response[status] = successAnswer(answer);
      }
      for (const [status, group] of byStatus(codes)) {
        const description = group.map((code) => `\`${code}\`: ${ERRORS[code].message}`).join('; ');
        response[status] = { description, ...toJsonSchema(errorResponseSchema(group), 'output') };
      }
      out.response = response;
      out.security = kind ? SECURITY[kind] : [];
      return { schema: out as FastifySchema, url };
    },
    transformObject(document) {
      if (!('openapiObject' in document)) return document.swaggerObject;
      const { openapiObject } = document;
      for (const key of optionalBodies) {
        const [method, url] = key.split(' ') as [string, string];
        const operation = openapiObject.paths?.[url]?.[method.toLowerCase() as 'post'];
        if (operation?.requestBody && 'required' in operation.requestBody) operation.requestBody.required = false;
      }
      return openapiObject;
    },
  });

  // The pages are public and read-only; their own context gives them strict headers. Swagger UI's
  // files are all served from here (no inline script, no CDN), so `'self'` is all it needs.
  await app.register(async (docs) => {
    docs.addHook('onSend', async (_request, reply) => {
      reply.header(
        'content-security-policy',
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; " +
          "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    });
    await docs.register(swaggerUi, {
      routePrefix: DOCS_PREFIX,
      uiConfig: { deepLinking: true, docExpansion: 'list', defaultModelsExpandDepth: 0, tryItOutEnabled: false },
      theme: { title: 'Herald HTTP API' },
      logo: { type: 'image/svg+xml', content: Buffer.from(LOGO_SVG), href: DOCS_PREFIX, target: '_self' },
    });
    docs.get(OPENAPI_PATH, { schema: { hide: true } }, async () => docs.swagger());
  });
}
