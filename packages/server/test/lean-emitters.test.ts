/**
 * Compacted listener tables (`src/gateway/lean-emitters.ts`): an emitter whose table was compacted
 * behaves exactly as before: the same listeners fire in the same order, `once` listeners fire
 * once, listeners added or removed afterwards work, and `errorMonitor` still sees errors.
 */
import { EventEmitter, errorMonitor } from 'node:events';
import { describe, expect, it } from 'vitest';
import { compactListeners } from '../src/gateway/lean-emitters.js';

describe('compactListeners', () => {
  it('keeps every listener, its order, once-semantics and later changes', () => {
    const e = new EventEmitter();
    const log: string[] = [];
    const a = () => log.push('a');
    e.on('x', a);
    e.on('x', () => log.push('b'));
    e.once('x', () => log.push('once'));
    e.prependListener('x', () => log.push('first'));
    e.on('y', (v: number) => log.push(`y${v}`));
    e.on(errorMonitor, (err: Error) => log.push(`monitor:${err.message}`));
    e.on('error', (err: Error) => log.push(`error:${err.message}`));
    const names = e.eventNames();
    const count = e.listenerCount('x');

    compactListeners(e);

    expect(e.eventNames()).toEqual(names);
    expect(e.listenerCount('x')).toBe(count);
    e.emit('x');
    e.emit('x');
    e.emit('y', 1);
    e.emit('error', new Error('boom'));
    expect(log).toEqual(['first', 'a', 'b', 'once', 'first', 'a', 'b', 'y1', 'monitor:boom', 'error:boom']);

    log.length = 0;
    e.removeListener('x', a);
    e.removeAllListeners('y');
    e.on('z', () => log.push('z'));
    e.once('y', () => log.push('y-again'));
    e.emit('x');
    e.emit('y');
    e.emit('y');
    e.emit('z');
    expect(log).toEqual(['first', 'b', 'y-again', 'z']);
    expect(e.listenerCount('y')).toBe(0);

    e.removeAllListeners();
    expect(e.eventNames()).toEqual([]);
    expect(e.emit('x')).toBe(false);
  });

  it('leaves anything but an emitter with its own listener table alone', () => {
    expect(() => compactListeners(undefined)).not.toThrow();
    expect(() => compactListeners({ _events: {} })).not.toThrow();
    const e = new EventEmitter();
    (e as unknown as { _events: unknown })._events = undefined;
    compactListeners(e);
    expect((e as unknown as { _events: unknown })._events).toBeUndefined();
  });
});
