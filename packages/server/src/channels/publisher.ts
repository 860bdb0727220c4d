/**
 * The publish pipeline shared by every entry point: check each publish, store it durably, then hand
 * the stored messages to the bus. A publish is acknowledged only after it is stored.
 */
import {
  HeraldError,
  MAX_DATA_BYTES,
  MAX_DATA_DEPTH,
  publishBodySchema,
  validationDetails,
  type ErrorBody,
  type Json,
  type Message,
  type PublishBody,
  type PublishedRef,
} from '@herald/protocol';
import type { Bus } from '../bus/index.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AppendRequest, Store } from '../store/index.js';
import { fingerprint } from '../util/fingerprint.js';

export type PublishResult = { messages: PublishedRef[] } | { error: ErrorBody };

export interface Publisher {
  /** Publish one checked body; throws `HeraldError` (DATA_TOO_LARGE, IDEMPOTENCY_CONFLICT). */
  publish(body: PublishBody): Promise<{ messages: PublishedRef[] }>;
  /** Publish a batch: each item is checked on its own and answered on its own. */
  publishBatch(items: readonly unknown[]): Promise<PublishResult[]>;
  /** Hand messages that another part of Herald (the inbox) stored to the bus. */
  announce(messages: readonly Message[]): void;
}

/**
 * Encode `data` once, refuse it past 64 KiB. Its depth was bounded by the schema (`dataSchema`,
 * `MAX_DATA_DEPTH`); should a caller skip that, `JSON.stringify`'s stack overflow still answers
 * `VALIDATION_FAILED`, not `INTERNAL`.
 */
export function encodeData(data: unknown): { data: Json; dataJson: string } {
  const value = (data === undefined ? null : data) as Json;
  let dataJson: string;
  try {
    dataJson = JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new HeraldError('VALIDATION_FAILED', undefined, [
      { path: 'data', message: `data may be nested at most ${MAX_DATA_DEPTH} levels deep` },
    ]);
  }
  if (Buffer.byteLength(dataJson) > MAX_DATA_BYTES) {
    throw new HeraldError('DATA_TOO_LARGE', undefined, { bytes: Buffer.byteLength(dataJson), max: MAX_DATA_BYTES });
  }
  return { data: value, dataJson };
}

function toAppendRequest(body: PublishBody): AppendRequest {
  const channels = body.channels ?? [body.channel!];
  const { data, dataJson } = encodeData(body.data);
  const request: AppendRequest = { channels, event: body.event, data, dataJson };
  if (body.idempotencyKey !== undefined) {
    request.idempotency = { key: `publish:${body.idempotencyKey}`, fingerprint: fingerprint([channels, body.event, data]) };
  }
  return request;
}

const errorBody = (err: unknown): ErrorBody =>
  err instanceof HeraldError ? err.toBody() : { code: 'INTERNAL', message: 'Internal error' };

export function createPublisher(store: Store, bus: Bus, metrics: Metrics): Publisher {
  const announce = (messages: readonly Message[]) => {
    if (messages.length === 0) return;
    metrics.published.inc(messages.length);
    bus.publish(messages);
  };

  async function run(requests: AppendRequest[]) {
    const outcomes = await store.append(requests);
    announce(outcomes.flatMap((o) => (o.kind === 'stored' ? o.messages : [])));
    return outcomes.map((o): PublishResult => {
      switch (o.kind) {
        case 'stored':
          return { messages: o.messages.map(({ channel, seq, id }) => ({ channel, seq, id })) };
        case 'replayed':
          return { messages: o.refs };
        case 'conflict':
          return { error: new HeraldError('IDEMPOTENCY_CONFLICT').toBody() };
      }
    });
  }

  return {
    announce,

    async publish(body) {
      const end = metrics.publishDuration.startTimer();
      const [result] = await run([toAppendRequest(body)]);
      end();
      if (!result || 'error' in result) throw new HeraldError('IDEMPOTENCY_CONFLICT');
      return result;
    },

    async publishBatch(items) {
      const end = metrics.publishDuration.startTimer();
      const results: PublishResult[] = new Array(items.length);
      const requests: AppendRequest[] = [];
      const positions: number[] = [];
      items.forEach((item, i) => {
        const parsed = publishBodySchema.safeParse(item);
        if (!parsed.success) {
          results[i] = { error: new HeraldError('VALIDATION_FAILED', undefined, validationDetails(parsed.error)).toBody() };
          return;
        }
        try {
          requests.push(toAppendRequest(parsed.data));
          positions.push(i);
        } catch (err) {
          results[i] = { error: errorBody(err) };
        }
      });
      if (requests.length > 0) {
        const stored = await run(requests);
        stored.forEach((r, k) => (results[positions[k]!] = r));
      }
      end();
      return results;
    },
  };
}
