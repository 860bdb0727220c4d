// Subscribe to a Herald channel with plain socket.io-client and print what arrives.
//
//   HERALD_URL=http://localhost:4700 HERALD_TOKEN=<client JWT> node examples/subscribe.mjs
//
// Optional: HERALD_CHANNEL (default demo:orders) and HERALD_SINCE (default 0: replay everything
// the server still stores on that channel). Stop with Ctrl+C.
//
// It follows the client algorithm of docs/protocol.md: one cursor per channel, drop what is at
// or below the cursor, fill a gap from history, re-subscribe with `since` after a reconnect.
import { io } from 'socket.io-client';

const url = process.env.HERALD_URL ?? 'http://localhost:4700';
const token = process.env.HERALD_TOKEN;
const channel = process.env.HERALD_CHANNEL ?? 'demo:orders';
const since = Number(process.env.HERALD_SINCE ?? 0);
if (!token) {
  console.error('Set HERALD_TOKEN to a client token (printed by `npm start`, or minted with POST /v1/tokens).');
  process.exit(1);
}

const show = (m) => `${m.channel} #${m.seq} ${m.event} ${JSON.stringify(m.data)}`;

/** channel → last seq applied. Channels the server subscribed us to get one on their first message. */
const cursors = new Map([[channel, since]]);
/** channel → promise chain: each channel's work runs one step at a time, in arrival order. */
const queues = new Map();

function enqueue(name, task) {
  const next = (queues.get(name) ?? Promise.resolve()).then(task);
  queues.set(name, next.catch((err) => console.error(`  ${name}: ${err.message}`)));
}

async function apply(m) {
  const cursor = cursors.get(m.channel);
  if (cursor !== undefined && m.seq <= cursor) return console.log(`  dropped duplicate ${m.channel} #${m.seq}`);
  if (cursor !== undefined && m.seq > cursor + 1) await catchUp(m.channel, m.seq - 1);
  cursors.set(m.channel, m.seq); // here an application would act on the message
}

/** Apply what is missing up to seq `upTo` from history, 1000 at a time, with the client token. */
async function catchUp(name, upTo) {
  while (cursors.get(name) < upTo) {
    const cursor = cursors.get(name);
    const res = await fetch(`${url}/v1/channels/${encodeURIComponent(name)}/history?since=${cursor}&limit=1000`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new Error(`history answered ${res.status}`);
    const { messages } = await res.json();
    if (messages[0]?.seq !== cursor + 1) console.log(`  ${name}: seq ${cursor + 1} is no longer stored; refetch state`);
    if (messages.length === 0) return cursors.set(name, upTo);
    for (const m of messages) if (m.seq <= upTo) console.log(`history   ${show(m)}`), cursors.set(name, m.seq);
  }
}

const socket = io(url, { auth: { token } });

socket.on('message', (m) => {
  console.log(`message   ${show(m)}`);
  enqueue(m.channel, () => apply(m));
});
socket.on('messages', (batch) => {
  console.log(`messages  a batch of ${batch.length}`);
  for (const m of batch) console.log(`          ${show(m)}`), enqueue(m.channel, () => apply(m));
});
let expired = false;
socket.on('unsubscribed', (e) => {
  console.log(`unsubscribed ${e.channel}: ${e.code}`);
  if (e.code === 'AUTH_EXPIRED') expired = true;
});
socket.on('connect_error', (err) => {
  console.error(`connect_error: ${err.data?.code ?? err.message}`);
  if (!socket.active) process.exit(1); // refused by the server (AUTH_*): retrying will not help
});
socket.on('disconnect', (reason) => {
  console.log(`disconnected: ${reason}`);
  if (socket.active) return; // socket.io-client reconnects by itself
  // The server ended the connection: either the token expired (a real client would fetch a new
  // one, then reconnect), or the server is shutting down (reconnect after a pause).
  if (expired) process.exit(0);
  setTimeout(() => socket.connect(), 1000 + Math.random() * 2000);
});

socket.on('connect', async () => {
  console.log(`connected to ${url} (socket ${socket.id})`);
  // The server has subscribed this socket to user:{sub}, each role:{r} and broadcast, from their
  // current heads. Subscribe (again) with a cursor to every channel we know, so nothing is missed.
  for (const [name, cursor] of cursors) {
    try {
      const ack = await socket.timeout(10_000).emitWithAck('subscribe', { channel: name, since: cursor });
      console.log(`subscribe ${name} since ${cursor} → ack ${JSON.stringify(ack)}`);
      if (!ack.ok) continue;
      if (!ack.recovered) {
        console.log(`  ${name}: cursor ${cursor} is out of range; refetch state, then follow from head ${ack.head}`);
        enqueue(name, () => cursors.set(name, ack.head));
      }
      for (const m of ack.messages) enqueue(name, () => apply(m));
      // More than 1000 missed: the ack held the first 1000; page through history up to the head.
      enqueue(name, () => catchUp(name, ack.head));
    } catch (err) {
      console.error(`subscribe ${name} failed: ${err.message}`);
    }
  }
});
