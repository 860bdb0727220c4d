// @vitest-environment happy-dom
/**
 * The provider and hooks in a DOM against a real Herald: one client per provider, connected, and
 * closed on unmount (StrictMode's double mount included); `useLiveState` renders every message
 * once when publishes land during the load; `useInbox` / `useUnreadCount` follow the server and
 * apply actions at once; `useNotificationListener` hears only what is genuinely new.
 */
import { StrictMode, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { memoryStorage, UnauthorizedError } from '@herald/client';
import { publish, range, request, signToken, sleep, startHerald, waitUntil, type Herald } from '../../server/test/helpers.js';
import {
  ConnectionBadge,
  HeraldProvider,
  NotificationCenter,
  useChannel,
  useConnectionState,
  useInbox,
  useLiveState,
  useNotificationListener,
  useUnreadCount,
} from '../src/index.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;


/** happy-dom's page origin: the server must allow it, as a real deployment allows its app's. */
const startServer = () => startHerald({ HERALD_CORS_ORIGINS: location.origin });

function mount(node: ReactNode): { root: Root; el: HTMLElement } {
  const el = document.createElement('div');
  document.body.append(el);
  const root = createRoot(el);
  // Registered after the server's own hook, so it runs first: the clients close before the server.
  onTestFinished(() => root.unmount());
  root.render(node);
  return { root, el };
}

async function connections(h: Herald): Promise<number> {
  return (await request<{ connections: number }>(h, 'GET', '/v1/stats')).body.connections;
}

const text = (el: HTMLElement, id: string) => el.querySelector(`#${id}`)?.textContent ?? '';

function Provider({ h, token, children }: { h: Herald; token: string; children: ReactNode }) {
  return <HeraldProvider options={{ url: h.url, getToken: () => token, storage: memoryStorage(), pollAfterMs: 300 }}>{children}</HeraldProvider>;
}

function State() {
  return <span id="state">{useConnectionState()}</span>;
}

describe('HeraldProvider', () => {
  it('creates one client, connects it, and closes it on unmount, also under StrictMode', { timeout: 20_000 }, async () => {
    const h = await startServer();
    const token = await signToken(h, { sub: 'ana' });
    const { root, el } = mount(
      <StrictMode>
        <Provider h={h} token={token}>
          <State />
        </Provider>
      </StrictMode>,
    );
    await waitUntil(() => text(el, 'state') === 'live', 10_000, 'live');
    // StrictMode mounted twice: the first client was closed, one connection remains.
    await sleep(300);
    expect(await connections(h)).toBe(1);
    root.unmount();
    const deadline = Date.now() + 5000;
    while ((await connections(h)) !== 0 && Date.now() < deadline) await sleep(50);
    expect(await connections(h)).toBe(0);
  });
});

describe('useLiveState', () => {
  it('renders each message once, in order, while publishes land during the load', { timeout: 20_000 }, async () => {
    const h = await startServer();
    const token = await signToken(h, { sub: 'ana', channels: ['restaurant:7'] });
    // The application's back end: its data and the seq it reflects, advanced with each publish.
    const backEnd = { data: [] as number[], seq: 0 };
    let stop = false;
    const publishing = (async () => {
      for (let i = 0; i < 60 && !stop; i++) {
        const [ref] = await publish(h, { channel: 'restaurant:7', event: 'tick', data: { i } });
        backEnd.data = [...backEnd.data, ref!.seq];
        backEnd.seq = ref!.seq;
        await sleep(10);
      }
    })();
    const announced: number[] = [];
    function Orders() {
      const live = useLiveState<number[]>('restaurant:7', {
        load: async () => {
          await sleep(150);
          const answer = { data: backEnd.data, seq: backEnd.seq };
          await sleep(150);
          return answer;
        },
        reduce: (list, m) => [...list, m.seq],
        onMessage: (m) => announced.push(m.seq),
      });
      return <span id="orders">{live.status === 'ready' ? live.data!.join(',') : live.status}</span>;
    }
    await sleep(100);
    const { el } = mount(
      <Provider h={h} token={token}>
        <Orders />
      </Provider>,
    );
    await publishing;
    stop = true;
    await waitUntil(() => text(el, 'orders') === range(1, 60).join(','), 10_000, `every message rendered (now ${text(el, 'orders')})`);
    expect(announced.length).toBeGreaterThan(0);
    expect(announced).toEqual(range(61 - announced.length, 60));
  });
});

describe('useInbox, useUnreadCount, useNotificationListener', () => {
  it('follow the server, apply actions at once, and hear only what is new', { timeout: 20_000 }, async () => {
    const h = await startServer();
    const token = await signToken(h, { sub: 'ana' });
    const notify = async (title: string) => {
      const res = await request(h, 'POST', '/v1/notifications', { to: ['user:ana'], type: 'order_created', title });
      return res.body.notifications[0].id as string;
    };
    const old = await notify('Old order');
    const heard: string[] = [];
    let actions: ReturnType<typeof useInbox> | undefined;
    function Inbox() {
      const inbox = useInbox();
      actions = inbox;
      const unread = useUnreadCount();
      useNotificationListener((n) => heard.push(n.title));
      return (
        <span id="inbox">
          {inbox.loaded ? `${unread}:${inbox.items.map((n) => `${n.title}${n.readAt ? '(read)' : ''}`).join('|')}` : 'loading'}
        </span>
      );
    }
    const { el } = mount(
      <Provider h={h} token={token}>
        <Inbox />
        <State />
      </Provider>,
    );
    await waitUntil(() => text(el, 'inbox') === '1:Old order' && text(el, 'state') === 'live', 10_000, 'first load');
    await notify('New order');
    await waitUntil(() => text(el, 'inbox') === '2:New order|Old order', 5000, `the new one (now ${text(el, 'inbox')})`);
    void actions!.markRead([old]);
    await sleep(0);
    expect(text(el, 'inbox')).toBe('1:New order|Old order(read)');
    await sleep(200);
    expect(heard).toEqual(['New order']);
    const server = await request(h, 'GET', '/v1/inbox/unread-count', undefined, { auth: token });
    expect(server.body.unread).toBe(1);
  });
});

describe('components with a real client', () => {
  it('render items through the `renderItem` slot, and show "Signed out" when getToken refuses for good', { timeout: 20_000 }, async () => {
    const h = await startServer();
    const token = await signToken(h, { sub: 'ana' });
    await request(h, 'POST', '/v1/notifications', { to: ['user:ana'], type: 'order_created', title: 'Order 12', priority: 'urgent' });
    const { el } = mount(
      <Provider h={h} token={token}>
        <NotificationCenter
          mode="panel"
          renderItem={(n, ctx) => (
            <button type="button" className="custom-item" onClick={ctx.markRead}>
              {n.priority}: {n.title} ({ctx.read ? 'read' : 'unread'})
            </button>
          )}
        />
      </Provider>,
    );
    await waitUntil(() => el.querySelector('.custom-item')?.textContent === 'urgent: Order 12 (unread)', 10_000, 'the custom item');
    // The slot replaces the content; the item keeps its state attributes for styling.
    const li = el.querySelector('.custom-item')!.closest('li')!;
    expect(li.getAttribute('data-priority')).toBe('urgent');
    (el.querySelector('.custom-item') as HTMLButtonElement).click();
    await waitUntil(() => el.querySelector('.custom-item')?.textContent === 'urgent: Order 12 (read)', 5000, 'read through the slot');

    const signedOut = mount(
      <HeraldProvider
        options={{
          url: h.url,
          storage: memoryStorage(),
          getToken: () => {
            throw new UnauthorizedError();
          },
        }}
      >
        <ConnectionBadge />
      </HeraldProvider>,
    );
    await waitUntil(() => signedOut.el.querySelector('.hrd-conn')?.textContent === 'Signed out', 5000, 'Signed out');
    expect(signedOut.el.querySelector('.hrd-conn')?.getAttribute('data-state')).toBe('unauthorized');
  });
});

describe('useChannel', () => {
  it('hands each message of the channel to the latest handler once, in order, and reports a refused channel', { timeout: 20_000 }, async () => {
    const h = await startServer();
    const token = await signToken(h, { sub: 'ana', channels: ['booking:99'] });
    const got: number[] = [];
    let round = 0;
    function Booking() {
      round++;
      // A new inline handler on every render: the hook must use the latest without resubscribing.
      const { error } = useChannel('booking:99', (m) => got.push(m.seq));
      const refused = useChannel('booking:100', () => {});
      return <span id="errors">{`${error ?? '-'} ${refused.error ?? '-'}`}</span>;
    }
    const { el } = mount(
      <Provider h={h} token={token}>
        <Booking />
        <State />
      </Provider>,
    );
    await waitUntil(() => text(el, 'state') === 'live' && text(el, 'errors') === '- CHANNEL_FORBIDDEN', 10_000, 'live, and booking:100 refused');
    await sleep(200);
    for (let i = 0; i < 5; i++) await publish(h, { channel: 'booking:99', event: 'booking:updated', data: { i } });
    await waitUntil(() => got.length === 5, 5000, 'five messages');
    await sleep(200);
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(round).toBeGreaterThan(1);
  });
});

describe('NotificationCenter', () => {
  it('with markReadOn="open", opening the popover marks what it shows read (and seen), on the server too', { timeout: 20_000 }, async () => {
    const h = await startServer();
    const token = await signToken(h, { sub: 'ana' });
    for (const title of ['One', 'Two']) await request(h, 'POST', '/v1/notifications', { to: ['user:ana'], type: 'order_created', title });
    const { el } = mount(
      <Provider h={h} token={token}>
        <NotificationCenter markReadOn="open" />
      </Provider>,
    );
    const bellButton = () => el.querySelector<HTMLButtonElement>('button.hrd-bell')!;
    await waitUntil(() => bellButton()?.getAttribute('aria-label') === '2 unread notifications', 10_000, 'two unread');
    bellButton().click();
    await waitUntil(() => bellButton().getAttribute('aria-label') === 'Notifications, none unread', 5000, 'read on open');
    expect(el.querySelectorAll('.hrd-item[data-unread="true"]')).toHaveLength(0);
    // Applied at once on screen; the server has it once the requests are answered.
    let server = await request(h, 'GET', '/v1/inbox', undefined, { auth: token });
    for (let i = 0; i < 50 && server.body.unread !== 0; i++) {
      await sleep(50);
      server = await request(h, 'GET', '/v1/inbox', undefined, { auth: token });
    }
    expect(server.body.unread).toBe(0);
    expect(server.body.items.every((n: { readAt?: string; seenAt?: string }) => n.readAt && n.seenAt)).toBe(true);
  });
});
