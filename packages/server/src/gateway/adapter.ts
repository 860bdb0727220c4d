/**
 * socket.io's in-memory adapter, without the room socket.io puts every socket in under its own id.
 */
import { Adapter, type Room, type SocketId } from 'socket.io-adapter';

/**
 * socket.io joins each socket to a room named after its id, so that `io.to(socket.id)` reaches it;
 * that room costs a Set in `rooms` and another in `sids` per socket (~0.35 KiB per idle
 * connection). Herald addresses sockets through its registry, never through rooms, so the own-id
 * room is skipped; any other room is joined as usual.
 */
export class HeraldAdapter extends Adapter {
  override addAll(id: SocketId, rooms: Set<Room>): Promise<void> | void {
    if (rooms.has(id)) {
      if (rooms.size === 1) return;
      rooms = new Set(rooms);
      rooms.delete(id);
    }
    return super.addAll(id, rooms);
  }
}
