/**
 * engine.io's heartbeat pings of every connection on one timer (an {@link ExpirySweep}), instead of
 * one `setTimeout` per connection: its Timeout object, closure and context, ~0.2 KiB per idle
 * connection.
 *
 * engine.io (protocol 4) arms `socket.pingIntervalTimer` when a connection opens; when it fires, the
 * socket sends a ping and arms `pingTimeoutTimer`, which closes the connection unless a pong comes
 * back within `pingTimeout`; a pong clears that and calls `pingIntervalTimer.refresh()`; closing the
 * socket calls `clearTimeout(pingIntervalTimer)`. Here the interval timer is replaced, right after
 * the socket is made, by a {@link PingTimer} that does exactly what engine.io's callback does, at
 * the same moment or up to the sweep's one second later (a client allows `pingInterval +
 * pingTimeout` between pings: 45 s; with a `pingTimeout` under 2 s nothing is replaced). The pong timeout, which lives for a round trip, stays engine.io's own.
 *
 * Each engine.io and Node detail relied on is checked: engine.io's fields and methods per socket
 * (else the socket keeps its own timer), and, once at start-up, that Node's `clearTimeout` cancels
 * a {@link PingTimer} (else no socket's timer is replaced).
 */
import type { Server } from 'socket.io';
import type { Expiring, ExpirySweep } from './expiry-sweep.js';
import type { PatchObserver } from './patches.js';

type Engine = Server['engine'];

/** The parts of engine.io's `Socket` the ping relies on. */
interface EngineSocket {
  protocol: number;
  readyState: string;
  hasRefreshedPingTimeout: boolean;
  pingIntervalTimer: unknown;
  sendPacket(type: 'ping'): void;
  resetPingTimeout(): void;
}

/**
 * A connection's ping interval timer. What engine.io does with its timer works on it: `refresh()`
 * re-arms it from now, and Node's `clearTimeout` cancels it, by setting `_onTimeout` to null (its
 * `unenroll` then stops at `_destroyed`).
 */
class PingTimer implements Expiring {
  /** When the next ping is due (ms since the epoch); 0 once cancelled. */
  deadline: number;

  constructor(
    private readonly socket: EngineSocket,
    /** Shared by every connection of the engine. */
    private readonly heartbeat: Heartbeat,
  ) {
    this.deadline = Date.now() + heartbeat.interval;
    heartbeat.sweep.add(this);
  }

  private get armed(): boolean {
    return this.deadline !== 0;
  }

  /** What engine.io's own timer callback does (`Socket#schedulePing`). */
  expire(): void {
    if (!this.armed) return;
    const socket = this.socket;
    socket.hasRefreshedPingTimeout = false;
    socket.sendPacket('ping');
    socket.resetPingTimeout();
  }

  /** A pong came back: the next ping is `interval` from now (also once this one has fired, as a Timeout's). */
  refresh(): this {
    if (this.armed) {
      const { sweep, interval } = this.heartbeat;
      sweep.delete(this);
      this.deadline = Date.now() + interval;
      sweep.add(this);
    }
    return this;
  }

  /** Truthy while armed, so that `clearTimeout` takes it for a timer. */
  get _onTimeout(): unknown {
    return this.armed ? this.expire : null;
  }

  /** `clearTimeout` sets it to null: cancel. */
  set _onTimeout(value: unknown) {
    if (value === null && this.armed) {
      this.heartbeat.sweep.delete(this);
      this.deadline = 0;
    }
  }

  /** Node's `unenroll` (called by `clearTimeout`) does nothing more for a timer already destroyed. */
  get _destroyed(): boolean {
    return true;
  }

  set _destroyed(_: boolean) {}
}

/** The engine's ping interval and the sweep its pings are on. */
interface Heartbeat {
  readonly interval: number;
  readonly sweep: ExpirySweep;
}

/** Whether Node's `clearTimeout` cancels a {@link PingTimer} (and does nothing else to it). */
function clearTimeoutCancels(): boolean {
  const probe = { protocol: 4, readyState: 'open', hasRefreshedPingTimeout: false, pingIntervalTimer: null, sendPacket() {}, resetPingTimeout() {} };
  let deleted = 0;
  const counting: ExpirySweep = { add: () => {}, delete: () => void deleted++, stop: () => {} };
  try {
    clearTimeout(new PingTimer(probe, { interval: 60_000, sweep: counting }) as unknown as NodeJS.Timeout);
  } catch {
    return false;
  }
  return deleted === 1;
}

/**
 * The sweep sends a ping up to a second late, which a client absorbs in its allowance of
 * `pingTimeout` past the interval: below this `pingTimeout` the engine keeps its own timers.
 */
const MIN_PING_TIMEOUT_MS = 2_000;

/**
 * Put the ping interval timer of every new protocol-4 connection of `engine` on `sweep`;
 * `observe` hears, for each connection, whether it was.
 */
export function sweepPings(engine: Engine, sweep: ExpirySweep, observe: PatchObserver = () => {}): void {
  const opts = (engine as unknown as { opts?: { pingInterval?: unknown; pingTimeout?: unknown } }).opts;
  const interval = opts?.pingInterval;
  const timeout = opts?.pingTimeout;
  // A deliberate choice (a short test timeout), not a library change: nothing to report.
  if (typeof timeout === 'number' && timeout < MIN_PING_TIMEOUT_MS) return;
  if (typeof interval !== 'number' || typeof timeout !== 'number' || !clearTimeoutCancels()) return observe('ping-sweep', false);
  const heartbeat: Heartbeat = { interval, sweep };
  engine.on('connection', (raw: Partial<EngineSocket>) => {
    const timer = raw.pingIntervalTimer as Partial<NodeJS.Timeout> | null | undefined;
    if (
      raw.protocol !== 4 ||
      raw.readyState !== 'open' ||
      typeof raw.sendPacket !== 'function' ||
      typeof raw.resetPingTimeout !== 'function' ||
      typeof raw.hasRefreshedPingTimeout !== 'boolean' ||
      typeof timer?.refresh !== 'function' ||
      typeof timer._onTimeout !== 'function'
    ) {
      return observe('ping-sweep', false);
    }
    clearTimeout(timer as NodeJS.Timeout);
    raw.pingIntervalTimer = new PingTimer(raw as EngineSocket, heartbeat);
    observe('ping-sweep', true);
  });
}
