/**
 * Stopping a TCP socket's reads at the handle: `socket.pause()` only stops the stream's events,
 * while Node's handle goes on reading into the stream's buffer. The cluster router needs the bytes
 * to stay in the kernel for the worker it hands the connection to (`cluster/router.ts`), which
 * takes Node's internal `_handle.readStop()`; `gateway/patches.ts` reports at start whether it is
 * there.
 */
import type net from 'node:net';

interface Handle {
  readStop?: () => number;
  reading?: boolean;
}

const handleOf = (socket: net.Socket) => (socket as unknown as { _handle?: Handle | null })._handle;

/** Whether `socket`'s handle can stop reading (a connected TCP socket on this Node release). */
export function canStopReading(socket: net.Socket): boolean {
  return typeof handleOf(socket)?.readStop === 'function';
}

/** Stop reading `socket` at its handle; answers false when this Node release cannot. */
export function stopReading(socket: net.Socket): boolean {
  const handle = handleOf(socket);
  if (typeof handle?.readStop !== 'function') return false;
  handle.reading = false;
  handle.readStop();
  return true;
}
