/**
 * The OpenAPI document at `/openapi.json` and `/docs`: it is a valid OpenAPI 3.1 document, it
 * names every route the server has with the security the server enforces, its request schemas are
 * the protocol's zod schemas, and real answers (successes and errors) match the schemas it declares
 * for their status.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createNotificationBodySchema, mintTokenBodySchema, publishBodySchema } from '@herald/protocol';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer, parseConfig } from '../src/index.js';
import { request, signToken, tempDir, testEnv, type Herald, type HttpAnswer } from './helpers.js';

// ajv-formats is CommonJS with a default export: under ESM interop it may come wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

type Operation = {
  security?: Record<string, string[]>[];
  requestBody?: { required?: boolean; content: Record<string, { schema: object; example?: unknown }> };
  parameters?: { name: string; in: string; schema: object; example?: unknown }[];
  responses: Record<string, { description: string; content?: Record<string, { schema: object; example?: unknown }> }>;
};
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** The documented operations: `[method, path template, operation]`. */
function operations(doc: Document): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]): [string, string, Operation] => [method, path, op]),
  );
}

/** A concrete URL for a path template. */
const concrete = (template: string) => template.replace('{channel}', encodeURIComponent('demo:orders'));

/**
 * The routes fastify has, from `printRoutes()` (fastify lists them nowhere else): each line is a
 * tree node `├── segment (METHODS)`, its depth the column of its branch divided by 4.
 */
function registeredRoutes(tree: string): [string, string][] {
  const out: [string, string][] = [];
  const prefixes: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const path = (depth === 0 ? '' : prefixes[depth - 1]!) + m[2]!;
    prefixes[depth] = path;
    for (const method of (m[3] ?? '').split(', ').filter(Boolean)) out.push([method.toLowerCase(), path]);
  }
  return out;
}

describe('OpenAPI document', () => {
  let h: Herald;
  let server: Awaited<ReturnType<typeof createServer>>;
  let doc: Document;
  const ajv = addFormats(new Ajv2020({ strict: true, allErrors: true }));
  // OpenAPI's own annotation, beside JSON Schema's `examples`.
  ajv.addKeyword({ keyword: 'example' });
  const validators = new Map<object, ValidateFunction>();
  const validatorOf = (schema: object) => {
    let v = validators.get(schema);
    if (!v) validators.set(schema, (v = ajv.compile(schema)));
    return v;
  };
  /** `METHOD path status` of every answer checked against the document. */
  const checked = new Set<string>();

  beforeAll(async () => {
    // `tempDir` removes its directory when a test ends; this server lives for the whole file.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-openapi-'));
    const env = testEnv(dir);
    server = await createServer(parseConfig(env, dir));
    const url = await server.listen();
    h = { url, dir, apiKey: env.HERALD_API_KEYS!, secret: env.HERALD_JWT_SECRET!, env, restart: async () => {}, stop: () => server.close() };
    const res = await request<Document>(h, 'GET', '/openapi.json', undefined, { auth: null });
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(async () => {
    await server?.close();
    if (h) fs.rmSync(h.dir, { recursive: true, force: true });
  });

  /** Check a real answer against what the document declares for its method, path and status. */
  function conforms(method: string, template: string, res: HttpAnswer): void {
    const op = doc.paths[template]?.[method];
    expect(op, `${method.toUpperCase()} ${template} is documented`).toBeDefined();
    const declared = op!.responses[String(res.status)];
    expect(declared, `${method.toUpperCase()} ${template} documents status ${res.status} (${res.text.slice(0, 200)})`).toBeDefined();
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!;
    const media = declared!.content?.[type];
    expect(media, `${method.toUpperCase()} ${template} ${res.status} documents ${type}`).toBeDefined();
    const body = type === 'application/json' ? res.body : res.text;
    const validate = validatorOf(media!.schema);
    expect(validate(body), `${method.toUpperCase()} ${template} ${res.status}: ${ajv.errorsText(validate.errors)}\n${res.text.slice(0, 500)}`).toBe(true);
    checked.add(`${method} ${template} ${res.status}`);
  }

  /** Send a request to a documented operation and check its answer against the document. */
  async function call(method: string, template: string, path: string, body?: unknown, opts: Parameters<typeof request>[4] = {}) {
    const res = await request(h, method.toUpperCase(), path, body, opts);
    conforms(method, template, res);
    return res;
  }

  it('is a valid OpenAPI 3.1 document whose schemas are valid JSON Schema 2020-12', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors, JSON.stringify(result.errors, null, 2)?.slice(0, 2000)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // Every schema compiles under ajv's strict mode, and every example is valid against its schema.
    for (const [method, path, op] of operations(doc)) {
      const medias = [
        ...Object.values(op.requestBody?.content ?? {}),
        ...Object.values(op.responses).flatMap((r) => Object.values(r.content ?? {})),
        ...(op.parameters ?? []),
      ];
      for (const media of medias) {
        const validate = validatorOf(media.schema);
        if (media.example !== undefined) {
          expect(validate(media.example), `${method} ${path} example: ${ajv.errorsText(validate.errors)}`).toBe(true);
        }
      }
    }
  });

  it('is also served at /docs/json, and /docs serves Swagger UI with strict headers', async () => {
    const json = await request(h, 'GET', '/docs/json', undefined, { auth: null });
    expect(json.status).toBe(200);
    expect(json.body).toEqual(doc);
    const page = await request(h, 'GET', '/docs', undefined, { auth: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('swagger-ui-bundle.js');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const bundle = await request(h, 'GET', '/docs/static/swagger-ui-bundle.js', undefined, { auth: null });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(bundle.headers.get('content-security-policy')).toBe(csp);
    // Read-only: nothing else under /docs, and Herald's 404 shape for what is not there.
    const missing = await request(h, 'GET', '/docs/static/nope.js', undefined, { auth: null });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    const post = await request(h, 'POST', '/openapi.json', {}, { auth: null });
    expect(post.status).toBe(404);
    expect(post.body.error.code).toBe('NOT_FOUND');
  });

  it('documents every route the server has, and nothing it does not', () => {
    const routes = registeredRoutes(server.http.printRoutes({ commonPrefix: false }))
      // HEAD is fastify's automatic twin of each GET; the documentation pages document nothing.
      .filter(([method, path]) => method !== 'head' && !path.startsWith('/docs') && path !== '/openapi.json');
    const documented = operations(doc).map(([method, path]) => `${method} ${path}`);
    const registered = routes.map(([method, path]) => `${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    expect(registered.length).toBeGreaterThanOrEqual(21);
    expect(new Set(documented)).toEqual(new Set(registered));
    expect(documented).toHaveLength(new Set(documented).size);
  });

  it('gives every operation its request and answer schemas, and both security schemes', () => {
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'clientToken']);
    for (const [method, path, op] of operations(doc)) {
      const where = `${method} ${path}`;
      const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
      expect(success.length, where).toBe(1);
      expect(Object.values(success[0]![1].content ?? {})[0]?.schema, where).toBeDefined();
      if (method === 'post' || method === 'put') expect(op.requestBody?.content['application/json']?.schema, where).toBeDefined();
      for (const [status, answer] of Object.entries(op.responses)) {
        if (Number(status) >= 400) expect(answer.content?.['application/json']?.schema, `${where} ${status}`).toBeDefined();
      }
      expect(op.security, where).toBeDefined();
      if (op.security!.length > 0) expect(op.responses['401'], where).toBeDefined();
      for (const name of path.match(/\{(\w+)\}/g) ?? []) {
        expect(op.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === name), `${where} ${name}`).toBe(true);
      }
    }
  });

  it('takes its request schemas from the protocol zod schemas', () => {
    const bodies: [string, z.ZodType][] = [
      ['/v1/publish', publishBodySchema],
      ['/v1/tokens', mintTokenBodySchema],
      ['/v1/notifications', createNotificationBodySchema],
    ];
    for (const [path, schema] of bodies) {
      const media = doc.paths[path]!.post!.requestBody!.content['application/json']!;
      const expected = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
      expect(media.schema).toMatchObject({ properties: expected.properties, additionalProperties: false });
      // The documented example is one the server accepts.
      expect(schema.safeParse(media.example).success, path).toBe(true);
    }
    expect(doc.paths['/v1/inbox/read-all']!.post!.requestBody!.required).toBe(false);
  });

  it('states the security the server enforces', async () => {
    const token = await signToken(h, { sub: 'alice' });
    for (const [method, template, op] of operations(doc)) {
      const schemes = op.security!.flatMap((s) => Object.keys(s)).sort();
      const path = template === '/v1/sync' ? '/v1/sync?cursors=broadcast' : concrete(template);
      const body = method === 'get' ? undefined : {};
      const anonymous = await request(h, method.toUpperCase(), path, body, { auth: null });
      const withKey = await request(h, method.toUpperCase(), path, body);
      const withToken = await request(h, method.toUpperCase(), path, body, { auth: token });
      const where = `${method} ${template}`;
      if (schemes.length === 0) {
        expect(anonymous.status, where).toBeLessThan(400);
        continue;
      }
      expect(anonymous.status, where).toBe(401);
      expect(anonymous.body.error.code, where).toBe('AUTH_REQUIRED');
      conforms(method, template, anonymous);
      for (const [scheme, res] of [['apiKey', withKey], ['clientToken', withToken]] as const) {
        if (schemes.includes(scheme)) {
          // Accepted: whatever the answer (a 400 for the empty body, a channel it may not read…), not a refused credential.
          const refused = res.status === 401 || (res.status === 403 && res.body.error.code === 'FORBIDDEN');
          expect(refused, `${where} accepts ${scheme}: ${res.text}`).toBe(false);
        } else {
          expect(res.status, `${where} refuses ${scheme}`).toBe(403);
          expect(res.body.error.code, where).toBe('FORBIDDEN');
          conforms(method, template, res);
        }
      }
    }
  });

  it('declares the schemas real answers have, success and error alike', async () => {
    const alice = await signToken(h, { sub: 'alice', roles: ['staff'] });
    const expired = await signToken(h, { sub: 'alice' }, { expiresIn: -120 });

    // Publish.
    await call('post', '/v1/publish', '/v1/publish', { channels: ['demo:orders', 'role:staff'], event: 'order:created', data: { orderId: 43 } });
    await call('post', '/v1/publish', '/v1/publish', { channel: 'demo:orders', event: 'order:updated', idempotencyKey: 'k-1' });
    await call('post', '/v1/publish', '/v1/publish', { channel: 'demo:orders', event: 'other', idempotencyKey: 'k-1' }); // 409
    await call('post', '/v1/publish', '/v1/publish', { channel: 'bad channel!', event: 'x' }); // 400
    await call('post', '/v1/publish', '/v1/publish', undefined, { raw: '{"channel":' }); // 400 INVALID_JSON
    await call('post', '/v1/publish', '/v1/publish', undefined, { raw: 'hello', headers: { 'content-type': 'text/plain' } }); // 415
    await call('post', '/v1/publish', '/v1/publish', { channel: 'demo:orders', event: 'big', data: 'x'.repeat(70_000) }); // 413
    await call('post', '/v1/publish', '/v1/publish', { channel: 'demo:orders', event: 'x' }, { auth: 'not-a-key' }); // 401 AUTH_INVALID
    await call('post', '/v1/publish/batch', '/v1/publish/batch', {
      items: [
        { channel: 'demo:orders', event: 'order:updated', data: { status: 'cooking' } },
        { channel: 'demo:orders', event: 'notification:new' },
        { channel: 'demo:orders', event: 'big', data: 'x'.repeat(70_000) },
      ],
    });
    await call('post', '/v1/publish/batch', '/v1/publish/batch', { items: Array.from({ length: 1001 }, () => ({ channel: 'a', event: 'b' })) }); // 413

    // Tokens.
    await call('post', '/v1/tokens', '/v1/tokens', { sub: 'bob', roles: ['staff'], channels: ['demo:*'] });
    await call('post', '/v1/tokens', '/v1/tokens', { sub: 'bob', ttlSeconds: 1 }); // 400

    // Channels.
    const history = '/v1/channels/{channel}/history';
    await call('get', history, `${concrete(history)}?since=0`);
    await call('get', history, `${concrete(history)}?limit=5000`); // 400
    await call('get', history, concrete(history), undefined, { auth: alice }); // 403 CHANNEL_FORBIDDEN
    await call('get', history, concrete(history), undefined, { auth: expired }); // 401 AUTH_EXPIRED
    const presence = '/v1/channels/{channel}/presence';
    await call('get', presence, concrete(presence));
    await call('get', presence, '/v1/channels/broadcast/presence', undefined, { auth: alice });

    // Sync.
    await call('get', '/v1/sync', '/v1/sync?cursors=role:staff:0,user:alice', undefined, { auth: alice });
    await call('get', '/v1/sync', '/v1/sync?cursors=x:', undefined, { auth: alice }); // 400
    await call('get', '/v1/sync', '/v1/sync?cursors=demo:orders:0', undefined, { auth: alice }); // 403

    // Inbox.
    const created = await call('post', '/v1/notifications', '/v1/notifications', {
      to: ['user:alice'],
      type: 'order_ready',
      title: 'Order 42 is ready',
      body: 'Pick it up at the counter',
      data: { orderId: 42 },
      actionUrl: '/orders/42',
      priority: 'high',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(created.status).toBe(201);
    await call('post', '/v1/notifications', '/v1/notifications', { to: [], type: 'x', title: '' }); // 400
    const ids = (created.body.notifications as { id: string }[]).map((n) => n.id);
    const shared = await call('post', '/v1/notifications', '/v1/notifications', { to: ['role:staff'], type: 'system_alert', title: 'Printer offline' });
    ids.push(shared.body.notifications[0].id);
    await call('put', '/v1/preferences', '/v1/preferences', { mutedTypes: ['system_alert'] }, { auth: alice });
    await call('get', '/v1/preferences', '/v1/preferences', undefined, { auth: alice });
    for (const action of ['seen', 'read', 'archive', 'unarchive']) {
      await call('post', `/v1/inbox/${action}`, `/v1/inbox/${action}`, { ids: [ids[0]] }, { auth: alice });
    }
    await call('post', '/v1/inbox/read', '/v1/inbox/read', { ids: ['01M80J2NHC79QEVP13M73GR49S'] }, { auth: alice }); // 404
    await call('get', '/v1/inbox', '/v1/inbox?limit=1', undefined, { auth: alice });
    await call('get', '/v1/inbox', '/v1/inbox?status=nope', undefined, { auth: alice }); // 400
    await call('get', '/v1/inbox/unread-count', '/v1/inbox/unread-count', undefined, { auth: alice });
    await call('post', '/v1/inbox/read-all', '/v1/inbox/read-all', undefined, { auth: alice });
    await call('post', '/v1/inbox/read-all', '/v1/inbox/read-all', { before: 'yesterday' }, { auth: alice }); // 400
    await call('post', '/v1/inbox/delete', '/v1/inbox/delete', { ids: [ids[1]] }, { auth: alice });
    const inbox = await call('get', '/v1/inbox', '/v1/inbox?archived=all', undefined, { auth: alice });
    expect(inbox.body.items.length, inbox.text).toBeGreaterThan(0);

    // Operations.
    await call('get', '/v1/stats', '/v1/stats');
    await call('get', '/healthz', '/healthz', undefined, { auth: null });
    await call('get', '/readyz', '/readyz', undefined, { auth: null });
    await call('get', '/metrics', '/metrics', undefined, { auth: null });

    // Every operation was seen answering its success status.
    for (const [method, path, op] of operations(doc)) {
      const success = Object.keys(op.responses).find((s) => s.startsWith('2'))!;
      expect(checked.has(`${method} ${path} ${success}`), `${method} ${path} ${success} was exercised`).toBe(true);
    }
  });

  it('documents the rate limit refusal as the server sends it, and leaves the pages unlimited', async () => {
    const dir = tempDir();
    const env = testEnv(dir, { HERALD_HTTP_RATE_TOKEN: '2' });
    const limited = await createServer(parseConfig(env, dir));
    const url = await limited.listen();
    try {
      const l: Herald = { ...h, url, dir, apiKey: env.HERALD_API_KEYS!, secret: env.HERALD_JWT_SECRET!, env };
      const token = await signToken(l, { sub: 'alice' });
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await request(l, 'GET', '/v1/inbox/unread-count', undefined, { auth: token }));
      const refused = answers.find((a) => a.status === 429);
      expect(refused?.body.error.code).toBe('RATE_LIMITED');
      expect(refused?.headers.get('retry-after')).toBeTruthy();
      conforms('get', '/v1/inbox/unread-count', refused!);
      // The documentation pages carry no credential: never counted.
      for (let i = 0; i < 5; i++) expect((await request(l, 'GET', '/openapi.json', undefined, { auth: null })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
