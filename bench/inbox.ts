/**
 * `npm run bench -- inbox`: a user whose inbox holds 10,000 personal and shared notifications
 * (some addressed to two of the user's channels at once, which are one item each; some read,
 * archived, deleted, muted) among 10,000 of other users; unread-count and first-page latency
 * percentiles over HTTP, beside two baselines measured in the same run on the same server:
 * `GET /healthz` (the HTTP floor) and the unread count of an empty inbox (auth + query floor).
 * Once per store: embedded SQLite and PostgreSQL (`BENCH_INBOX_STORES`, a fresh database).
 * Targets (SPEC §7, issue 3): unread-count p99 ≤ 2 ms, first page of 50 p99 ≤ 5 ms.
 */
import { timeSequential, type Percentiles } from './lib/histogram.js';
import { jsonClient, type JsonClient } from './lib/http.js';
import { progress } from './lib/progress.js';
import { table, writeResults } from './lib/report.js';
import { createDatabase, dropAll } from './lib/backends.js';
import { startHerald } from './lib/server.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 3000);
const STORES = (process.env.BENCH_INBOX_STORES ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[];
const WARMUP = 300;
const FILL_CONCURRENCY = 16;

/**
 * Who gets what: 10,000 items in the bench user's inbox (1,000 of them addressed to both
 * `user:bench` and `role:admin`, one item each), 10,000 elsewhere.
 */
const PLAN: { to: string[]; type: string; count: number }[] = [
  { to: ['user:bench'], type: 'order:created', count: 3500 },
  { to: ['user:bench', 'role:admin'], type: 'order:created', count: 1000 },
  { to: ['user:bench'], type: 'promo', count: 500 },
  { to: ['role:admin'], type: 'system_alert', count: 2000 },
  { to: ['broadcast'], type: 'announcement', count: 1500 },
  { to: ['restaurant:7'], type: 'reservation:created', count: 1500 },
  { to: ['user:someone-else'], type: 'order:created', count: 5000 },
  { to: ['role:kitchen'], type: 'order:created', count: 2000 },
  { to: ['role:kitchen', 'restaurant:8'], type: 'order:created', count: 1000 },
  { to: ['restaurant:8'], type: 'reservation:created', count: 2000 },
];

async function fill(client: JsonClient, apiKey: string): Promise<void> {
  const jobs = PLAN.flatMap((p) => Array.from({ length: p.count }, (_, i) => ({ to: p.to, type: p.type, title: `${p.type} #${i}` })));
  // Interleave so every channel's items spread over time, as in a real inbox.
  jobs.sort(() => Math.random() - 0.5);
  const bar = progress('filling inboxes', jobs.length);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: FILL_CONCURRENCY }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const r = await client.request('POST', '/v1/notifications', apiKey, { ...job, data: { n: next } });
        if (r.status !== 201) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
        bar.update(++done);
      }
    }),
  );
  bar.done();
}

interface Page {
  items: { id: string }[];
  nextCursor: string | null;
  unread: number;
}

type Row = { store: string; name: string; target: number | undefined } & Percentiles;

/** The rows of one store: a fresh server on it, filled, then measured. */
async function measureStore(store: 'sqlite' | 'postgres'): Promise<{ rows: Row[]; unread: number }> {
  const db = store === 'postgres' ? await createDatabase() : undefined;
  // One token measured back to back, thousands of requests a second: far above the per-token
  // limit, which stays on (its cost is in the figures) but out of reach.
  const herald = await startHerald({ HERALD_HTTP_RATE_TOKEN: '1000000', ...(db ? { HERALD_DATABASE_URL: db.url } : {}) });
  const client = jsonClient(herald.url, FILL_CONCURRENCY);
  try {
    const mint = async (sub: string, roles: string[], channels: string[]) =>
      ((await client.request('POST', '/v1/tokens', herald.apiKey, { sub, roles, channels, ttlSeconds: 3600 })).body as { token: string }).token;
    const bench = await mint('bench', ['admin'], ['restaurant:7']);
    const empty = await mint('nobody', [], []);

    await fill(client, herald.apiKey);

    // Realistic state: the older ~30 % read, some archived and deleted, one type muted.
    const all = await client.request<Page>('GET', '/v1/inbox?limit=100', bench);
    const oldest = await (async () => {
      let cursor: string | null = all.body.nextCursor;
      let last = all.body.items;
      for (let i = 0; i < 70 && cursor; i++) {
        const p = await client.request<Page>('GET', `/v1/inbox?limit=100&before=${cursor}`, bench);
        last = p.body.items;
        cursor = p.body.nextCursor;
      }
      return last;
    })();
    const before = (oldest[0] as unknown as { createdAt: string }).createdAt;
    await client.request('POST', '/v1/inbox/read-all', bench, { before });
    const firstIds = all.body.items.map((i) => i.id);
    await client.request('POST', '/v1/inbox/archive', bench, { ids: firstIds.slice(0, 50) });
    await client.request('POST', '/v1/inbox/delete', bench, { ids: firstIds.slice(50, 100) });
    await client.request('PUT', '/v1/preferences', bench, { mutedTypes: ['promo'] });
    // A freshly filled database has no planner statistics until autovacuum's next round.
    await db?.analyze();
    const count = (await client.request<{ unread: number }>('GET', '/v1/inbox/unread-count', bench)).body.unread;
    process.stderr.write(`  ${store}: bench user: 10,000 notifications, ${count} unread after read/archive/delete/mute\n`);

    const one = jsonClient(herald.url, 1);
    const measure = async (label: string, path: string, token: string | null): Promise<Percentiles> => {
      const call = () => one.request('GET', path, token ?? 'none');
      for (let i = 0; i < WARMUP; i++) await call();
      const bar = progress(`${store}: ${label}`, SAMPLES);
      const p = await timeSequential(SAMPLES, call, (d) => bar.update(d));
      bar.done(`p99 ${p.p99} ms`);
      return p;
    };
    const rows = [
      { name: 'baseline: GET /healthz', path: '/healthz', token: null, target: undefined },
      { name: 'baseline: unread-count, empty inbox', path: '/v1/inbox/unread-count', token: empty, target: undefined },
      { name: 'unread-count, 10,000 items', path: '/v1/inbox/unread-count', token: bench, target: 2 },
      { name: 'first page of 50, 10,000 items', path: '/v1/inbox?limit=50', token: bench, target: 5 },
      { name: 'first unread page of 50', path: '/v1/inbox?limit=50&status=unread', token: bench, target: 5 },
    ];
    const results: Row[] = [];
    for (const { token, path, ...r } of rows) results.push({ store, ...r, ...(await measure(r.name, path, token)) });
    one.close();
    return { rows: results, unread: count };
  } finally {
    client.close();
    await herald.stop();
    await db?.drop();
  }
}

export async function run(): Promise<void> {
  const results: Row[] = [];
  const unread: Record<string, number> = {};
  try {
    for (const store of STORES) {
      const measured = await measureStore(store);
      results.push(...measured.rows);
      unread[store] = measured.unread;
    }
  } finally {
    await dropAll();
  }
  /** Each row against the HTTP floor of its own server. */
  const floorOf = (r: Row) => results.find((x) => x.store === r.store)!.p99;
  process.stdout.write(
    `\nInbox latency over HTTP (ms; ${SAMPLES} sequential requests each, keep-alive, client and server on one 2-core machine)\n\n`,
  );
  const body = results.map((r) => [
    r.store,
    r.name,
    r.p50,
    r.p90,
    r.p99,
    r.p999,
    r.max,
    (r.p99 / floorOf(r)).toFixed(1),
    r.target === undefined ? '' : `${r.p99 <= r.target ? 'met' : 'MISSED'} (≤ ${r.target})`,
  ]);
  const header = ['store', 'operation', 'p50', 'p90', 'p99', 'p99.9', 'max', 'p99 ÷ healthz', 'p99 target'];
  process.stdout.write(`${table([header, ...body])}\n`);

  const markdown = [
    '## Inbox (`npm run bench -- inbox`)',
    '',
    `A user with 10,000 notifications (personal, role, broadcast, exact channel; 1,000 of them addressed to two of the user's channels, one item each; ~30 % read, 50 archived, 50 deleted, one type muted: ${Object.entries(unread).map(([s, n]) => `${n} unread on ${s}`).join(', ')}) among 10,000 of other users, on each store (PostgreSQL: a fresh database on the same machine). ${SAMPLES} sequential keep-alive requests per row, latency in ms.`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  await writeResults(
    'inbox',
    { samples: SAMPLES, unread, rows: results },
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: 'Inbox latency, 10,000 notifications (ms)',
      width: 420,
      height: 200,
      data: {
        values: results.flatMap((r) => [
          { operation: `${r.store}: ${r.name}`, percentile: 'p50', ms: r.p50 },
          { operation: `${r.store}: ${r.name}`, percentile: 'p99', ms: r.p99 },
        ]),
      },
      mark: 'bar',
      encoding: {
        y: { field: 'operation', type: 'nominal', sort: null, title: null, axis: { labelLimit: 320 } },
        yOffset: { field: 'percentile' },
        x: { field: 'ms', type: 'quantitative', title: 'latency (ms)' },
        color: { field: 'percentile', type: 'nominal' },
      },
    },
    markdown,
  );
}
