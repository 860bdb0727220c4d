/**
 * Compile-time checks of the event-map typing, run by `tsc` in `types.test.ts` (vitest itself does
 * not type-check). Each `@ts-expect-error` line must be an error; `tsc` fails on one that is not.
 * Nothing here is executed.
 */
import type { EventMap as ClientEventMap, TypedMessage as ClientTypedMessage } from '@herald/client';
import type {
  createNotificationsResponseSchema,
  EventMap,
  mintTokenResponseSchema,
  presenceResponseSchema,
  publishBatchResponseSchema,
  publishResponseSchema,
  statsResponseSchema,
  TypedMessage,
} from '@herald/protocol';
import { expectTypeOf } from 'vitest';
import type { z } from 'zod';
import {
  createHerald,
  type BatchItemResult,
  type HeraldError,
  type MintTokenResult,
  type NotifyResult,
  type PresenceResult,
  type PublishInput,
  type PublishResult,
  type StatsResult,
} from '../src/index.js';

type Events = {
  'order:created': { id: number };
  'order:updated': { id: number; status: 'pending' | 'ready' };
  ping: undefined;
};

export async function typedPublish(): Promise<void> {
  const herald = createHerald<Events>({ url: 'http://127.0.0.1:4700', apiKey: 'k' });

  await herald.publish({ channel: 'restaurant:7', event: 'order:created', data: { id: 1 } });
  await herald.publish({ channels: ['restaurant:7', 'role:admin'], event: 'order:updated', data: { id: 1, status: 'ready' } });
  await herald.publish({ channel: 'restaurant:7', event: 'ping' });

  // @ts-expect-error an event that is not in the map
  await herald.publish({ channel: 'restaurant:7', event: 'order:deleted', data: { id: 1 } });
  // @ts-expect-error data of another event
  await herald.publish({ channel: 'restaurant:7', event: 'order:created', data: { id: 1, status: 'ready' } });
  // @ts-expect-error data of the wrong type
  await herald.publish({ channel: 'restaurant:7', event: 'order:created', data: { id: '1' } });
  // @ts-expect-error a status outside the union
  await herald.publish({ channel: 'restaurant:7', event: 'order:updated', data: { id: 1, status: 'lost' } });
  // @ts-expect-error data is required when the event's type does not allow undefined
  await herald.publish({ channel: 'restaurant:7', event: 'order:created' });
  // @ts-expect-error both channel and channels
  await herald.publish({ channel: 'a', channels: ['b'], event: 'ping' });
  // @ts-expect-error neither channel nor channels
  await herald.publish({ event: 'ping' });

  await herald.publishBatch([
    { channel: 'a', event: 'order:created', data: { id: 1 } },
    { channel: 'a', event: 'ping' },
    // @ts-expect-error a batch item is typed like a publish
    { channel: 'a', event: 'order:created', data: { id: 'x' } },
  ]);

  const { messages } = await herald.publish({ channel: 'a', event: 'ping' });
  expectTypeOf(messages[0]!.seq).toEqualTypeOf<number>();
  const { results } = await herald.publishBatch([]);
  expectTypeOf(results[0]!.messages).toEqualTypeOf<{ channel: string; seq: number; id: string }[] | undefined>();

  // Without a map, any event and any data.
  const untyped = createHerald({ url: 'http://127.0.0.1:4700', apiKey: 'k' });
  await untyped.publish({ channel: 'a', event: 'anything', data: { x: [1, 'two'] } });
  await untyped.publish({ channel: 'a', event: 'anything' });

  // The same map types what the client receives: a message narrows on its event.
  const received = {} as TypedMessage<Events>;
  if (received.event === 'order:updated') expectTypeOf(received.data.status).toEqualTypeOf<'pending' | 'ready'>();
  // What is received as one event is what was published as that event (the client adds `& Json`).
  expectTypeOf<Extract<TypedMessage<Events>, { event: 'order:created' }>['data']>().toExtend<Extract<PublishInput<Events>, { event: 'order:created' }>['data']>();
}

// The client re-exports the protocol's types unchanged.
expectTypeOf<ClientEventMap>().toEqualTypeOf<EventMap>();
expectTypeOf<ClientTypedMessage<Events>>().toEqualTypeOf<TypedMessage<Events>>();

export function errorCodes(err: HeraldError): void {
  expectTypeOf(err.status).toEqualTypeOf<number | undefined>();
  if (err.code === 'TIMEOUT' || err.code === 'NETWORK' || err.code === 'VALIDATION_FAILED') return;
  // @ts-expect-error not a code
  if (err.code === 'NOT_A_CODE') return;
}

// The SDK's answer types (plain TypeScript: the SDK does not load zod) are the answers the
// protocol's zod schemas document; a field added to one and not the other fails here.
type Out<S extends z.ZodType> = z.output<S>;
expectTypeOf<PublishResult>().toEqualTypeOf<Out<typeof publishResponseSchema>>();
expectTypeOf<NotifyResult>().toEqualTypeOf<Out<typeof createNotificationsResponseSchema>>();
expectTypeOf<MintTokenResult>().toEqualTypeOf<Out<typeof mintTokenResponseSchema>>();
expectTypeOf<PresenceResult>().toEqualTypeOf<Out<typeof presenceResponseSchema>>();
expectTypeOf<StatsResult>().toEqualTypeOf<Out<typeof statsResponseSchema>>();
// The schema lists the codes a batch item can have; the SDK's type allows any catalogue code.
expectTypeOf<Out<typeof publishBatchResponseSchema>['results'][number]>().toExtend<BatchItemResult>();
