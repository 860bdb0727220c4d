/**
 * The wire protocols the load generator speaks, written directly over `ws` (no socket.io-client
 * objects, so a client costs a few hundred bytes and a frame a few microseconds):
 *
 * - `herald`: engine.io v4 + Socket.IO v5. Open `0{…}`, connect `40{"token":…}` → `40{"sid":…}`,
 *   `42<id>["subscribe",{channel,since?}]` → ack `43<id>[{…}]`, events `42["message",{…}]` and
 *   `42["messages",[…]]`, pings `2` answered `3`.
 * - `socketio`: the same framing against the stock Socket.IO baseline: connect `40`, then
 *   `42<id>["join","<room>"]` → `43<id>[…]`, events `42["message",{…}]`.
 * - `raw`: the raw `ws` baseline: `{"subscribe":"<channel>"}` → `{"subscribed":…}`, then one text
 *   frame per message.
 * - `pusher`: Soketi (Pusher protocol 7): `pusher:connection_established`, `pusher:subscribe` →
 *   `pusher_internal:subscription_succeeded`, events `{"event":"message","channel":…,"data":"…"}`,
 *   `pusher:ping` answered `pusher:pong`.
 */

export type Protocol = 'herald' | 'socketio' | 'raw' | 'pusher';

/** What a load-generator worker needs to open one kind of client (serialisable over IPC). */
export interface ClientSpec {
  protocol: Protocol;
  /** HTTP base URL of the server. */
  url: string;
  channel: string;
  /** Pusher app key (Soketi). */
  appKey?: string;
  /** Herald's handshake option `auth.events` (`named`: messages as named events, not envelopes). */
  events?: string;
}

export function wsUrl(spec: ClientSpec): string {
  const base = spec.url.replace(/^http/, 'ws');
  switch (spec.protocol) {
    case 'herald':
    case 'socketio':
      return `${base}/socket.io/?EIO=4&transport=websocket`;
    case 'raw':
      return `${base}/ws`;
    case 'pusher':
      return `${base}/app/${spec.appKey}?protocol=7&client=herald-bench&version=1.0.0&flash=false`;
  }
}

/** How a frame is to be treated; deliveries are the hot path and are recognised from a few bytes. */
export const Kind = { Delivery: 0, Ping: 1, Control: 2 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

const C_0 = 0x30;
const C_2 = 0x32;
const C_4 = 0x34;
const C_BRACE = 0x7b;

const PUSHER_MESSAGE = Buffer.from('{"event":"message"');
const PUSHER_PING = Buffer.from('{"event":"pusher:ping"');

export function classify(protocol: Protocol, buf: Buffer): Kind {
  switch (protocol) {
    case 'herald':
    case 'socketio':
      // `42[…]` without an ack id is an event: for these clients, always a delivery.
      if (buf[0] === C_4 && buf[1] === C_2 && buf[2] === 0x5b) return Kind.Delivery;
      if (buf[0] === C_2 && buf.length === 1) return Kind.Ping;
      return Kind.Control;
    case 'raw':
      // `{"id":…` is a message; `{"subscribed":…}` a control frame.
      return buf[0] === C_BRACE && buf[2] === 0x69 /* i */ ? Kind.Delivery : Kind.Control;
    case 'pusher':
      if (buf.subarray(0, PUSHER_MESSAGE.length).equals(PUSHER_MESSAGE)) return Kind.Delivery;
      if (buf.subarray(0, PUSHER_PING.length).equals(PUSHER_PING)) return Kind.Ping;
      return Kind.Control;
  }
}

export function pong(protocol: Protocol): string {
  return protocol === 'pusher' ? '{"event":"pusher:pong","data":{}}' : '3';
}

/** Per-connection handshake: what to send, when the client is subscribed, what went wrong. */
export interface Handshake {
  /** Frames to send right after the WebSocket opens. */
  onOpen(): string[];
  /** Handle a control frame (given as its first KiB of text): what to send, whether subscribed. */
  onControl(text: string): { send?: string[]; ready?: boolean; error?: string };
}

const SUBSCRIBE_ACK_ID = 1;

export function handshake(spec: ClientSpec, options: { token?: string; since?: number }): Handshake {
  switch (spec.protocol) {
    case 'herald':
      return {
        onOpen: () => [],
        onControl(text) {
          if (text.startsWith('0{')) return { send: [`40${JSON.stringify({ token: options.token, events: spec.events })}`] };
          if (text.startsWith('40')) {
            const payload = options.since === undefined ? { channel: spec.channel } : { channel: spec.channel, since: options.since };
            return { send: [`42${SUBSCRIBE_ACK_ID}${JSON.stringify(['subscribe', payload])}`] };
          }
          // The ack may replay up to 1000 messages: read its head only (`{ ok: true, … }` first).
          if (text.startsWith(`43${SUBSCRIBE_ACK_ID}[{"ok":true`)) return { ready: true };
          if (text.startsWith(`43${SUBSCRIBE_ACK_ID}[`)) return { error: `subscribe refused: ${text.slice(3, 300)}` };
          if (text.startsWith('44')) return { error: `connect_error ${text.slice(2, 200)}` };
          if (text.startsWith('41')) return { error: 'disconnected by server' };
          return {};
        },
      };
    case 'socketio':
      return {
        onOpen: () => [],
        onControl(text) {
          if (text.startsWith('0{')) return { send: ['40'] };
          if (text.startsWith('40')) return { send: [`42${SUBSCRIBE_ACK_ID}${JSON.stringify(['join', spec.channel])}`] };
          if (text.startsWith(`43${SUBSCRIBE_ACK_ID}[`)) return { ready: true };
          if (text.startsWith('44')) return { error: `connect_error ${text.slice(2, 200)}` };
          return {};
        },
      };
    case 'raw':
      return {
        onOpen: () => [JSON.stringify({ subscribe: spec.channel })],
        onControl(text) {
          if (text.startsWith('{"subscribed"')) return { ready: true };
          return {};
        },
      };
    case 'pusher':
      return {
        onOpen: () => [],
        onControl(text) {
          if (text.includes('"pusher:connection_established"')) {
            return { send: [JSON.stringify({ event: 'pusher:subscribe', data: { channel: spec.channel } })] };
          }
          if (text.includes('"pusher_internal:subscription_succeeded"')) return { ready: true };
          if (text.includes('"pusher:error"')) return { error: text.slice(0, 200) };
          return {};
        },
      };
  }
}

/** Whether a delivery frame of this protocol carries Herald-style `"seq":` numbers to check. */
export function carriesSeq(protocol: Protocol): boolean {
  return protocol !== 'pusher';
}
