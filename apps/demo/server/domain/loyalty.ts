/**
 * Scenario 3: a loyalty platform. Guests hold cards; restaurants add and redeem points; points
 * expire; admins watch every event and receive system alerts.
 *
 * Live views:
 * - `card:{cardId}`: `points_added`, `points_redeemed`, `points_expired` {transaction, card}; `card_created` {card}
 * - `restaurant:{r}:transactions`: `restaurant_transaction` {transaction, card}
 * - `loyalty:events`: every loyalty event under the same name (`guest_registered`, `card_created`,
 *   `points_*`); each message's data is the feed entry `{ id, event, data, at }`, the record the
 *   admin feed lists, whose `data` is the payload the other channels carry
 * Notifications: `system_alert` to `role:admin` (priority high or urgent).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DemoError, notFound, parseInput } from '../errors.js';
import type { Outbox } from '../outbox.js';
import { idSchema, intParam, intValue, iso, minutesAgo, newestFirst, newId, nowIso, randomToken } from './common.js';

export interface Guest {
  id: string;
  name: string;
}

export interface Card {
  id: string;
  guestId: string;
  guestName: string;
  points: number;
  createdAt: string;
}

export type TransactionKind = 'points_added' | 'points_redeemed' | 'points_expired';

export interface Transaction {
  id: string;
  cardId: string;
  /** The restaurant where it happened; null for an expiry. */
  restaurantId: number | null;
  kind: TransactionKind;
  points: number;
  /** The card's balance after it. */
  balance: number;
  at: string;
}

/** One line of the admin feed, and the data of each `loyalty:events` message. */
export interface FeedEvent {
  id: string;
  event: TransactionKind | 'guest_registered' | 'card_created';
  data: unknown;
  at: string;
}

/** The live-view channels of the loyalty scenario, and where system alerts go. */
export const cardChannel = (cardId: string) => `card:${cardId}`;
export const transactionsChannel = (r: number) => `restaurant:${r}:transactions`;
export const LOYALTY_EVENTS_CHANNEL = 'loyalty:events';
export const ADMIN_ALERTS_CHANNEL = 'role:admin';

/** Feeds show this many, newest first. */
const FEED_SIZE = 50;

const points = intValue.pipe(z.number().max(100_000));
const cardParams = z.strictObject({ id: idSchema });
const restaurantParams = z.strictObject({ r: intParam });
const movementBody = z.strictObject({ restaurantId: intValue, points });
const expireBody = z.strictObject({ points });
const guestBody = z.strictObject({ name: z.string().trim().min(1).max(80) });
const alertBody = z.strictObject({
  title: z.string().trim().min(1).max(200),
  body: z.string().max(2000).optional(),
  priority: z.enum(['high', 'urgent']).default('high'),
});

export interface LoyaltyScenario {
  /** Add the `/api/loyalty/*` routes. */
  register(app: FastifyInstance): void;
  /** The guest holding a card (the `loyalty-guest` persona's `sub`), if the card exists. */
  guestIdOfCard(cardId: string): string | undefined;
}

/**
 * Guests, cards and their transactions, with seed data, announcing every change through `outbox`.
 * @param hasRestaurant which restaurant ids exist (the restaurant scenario knows).
 */
export function createLoyaltyScenario(outbox: Outbox, hasRestaurant: (id: number) => boolean): LoyaltyScenario {
  // Records are replaced, never changed in place (see restaurant.ts for why).
  const guests = new Map<string, Guest>();
  const cards = new Map<string, Card>();
  const transactions: Transaction[] = [];
  const feed: FeedEvent[] = [];
  let lastCardNumber = 99;

  /** Seeding records silently; afterwards every record is announced in the step that makes it. */
  let announce = false;

  /** A seed passes its past time; everything else happens now. */
  const stamp = (seedAt?: number) => ({ id: newId(seedAt), at: seedAt === undefined ? nowIso() : iso(seedAt) });

  function feedEvent(event: FeedEvent['event'], data: unknown, seedAt?: number): void {
    const entry: FeedEvent = { ...stamp(seedAt), event, data };
    feed.push(entry);
    if (feed.length > FEED_SIZE) feed.shift();
    if (announce) outbox.publish([LOYALTY_EVENTS_CHANNEL], event, entry);
  }

  function registerGuest(name: string, id: string, seedAt?: number): { guest: Guest; card: Card } {
    const guest: Guest = { id, name };
    guests.set(id, guest);
    feedEvent('guest_registered', { guest }, seedAt);
    const card: Card = { id: `c-${++lastCardNumber}`, guestId: id, guestName: name, points: 0, createdAt: stamp(seedAt).at };
    cards.set(card.id, card);
    if (announce) outbox.publish([cardChannel(card.id)], 'card_created', { card });
    feedEvent('card_created', { card }, seedAt === undefined ? undefined : seedAt + 1);
    return { guest, card };
  }

  function move(cardId: string, kind: TransactionKind, amount: number, restaurantId: number | null, seedAt?: number) {
    const card = cards.get(cardId);
    if (!card) throw notFound('card', cardId);
    const balance = card.points + (kind === 'points_added' ? amount : -amount);
    if (balance < 0) {
      throw new DemoError('INVALID_TRANSITION', `Card ${cardId} holds ${card.points} points, fewer than ${amount}`, { balance: card.points, points: amount });
    }
    const updated: Card = { ...card, points: balance };
    const transaction: Transaction = { ...stamp(seedAt), cardId, restaurantId, kind, points: amount, balance };
    cards.set(cardId, updated);
    transactions.push(transaction);
    const data = { transaction, card: updated };
    if (announce) {
      outbox.publish([cardChannel(cardId)], kind, data);
      if (restaurantId !== null) outbox.publish([transactionsChannel(restaurantId)], 'restaurant_transaction', data);
    }
    feedEvent(kind, data, seedAt);
    return data;
  }

  // Seed: Léa's card c-100 with some history, and Omar's c-101.
  registerGuest('Léa', 'lea', minutesAgo(60 * 24 * 30));
  move('c-100', 'points_added', 120, 7, minutesAgo(60 * 24 * 9));
  move('c-100', 'points_added', 45, 8, minutesAgo(60 * 24 * 4));
  move('c-100', 'points_redeemed', 50, 7, minutesAgo(60 * 26));
  registerGuest('Omar', 'omar', minutesAgo(60 * 24 * 3));
  move('c-101', 'points_added', 30, 8, minutesAgo(60 * 5));
  announce = true;

  const cardOf = (params: unknown) => {
    const { id } = parseInput(cardParams, params, 'params');
    if (!cards.has(id)) throw notFound('card', id);
    return id;
  };
  const restaurant = (r: number) => {
    if (!hasRestaurant(r)) throw notFound('restaurant', r);
    return r;
  };

  function register(app: FastifyInstance): void {
    app.get('/api/loyalty/cards', async () => [...cards.values()]);

    app.get('/api/loyalty/cards/:id', async (request) => {
      const id = cardOf(request.params);
      return outbox.load(cardChannel(id), () => ({
        card: cards.get(id)!,
        transactions: newestFirst(transactions.filter((t) => t.cardId === id), FEED_SIZE),
      }));
    });

    app.get('/api/loyalty/restaurants/:r/feed', async (request) => {
      const r = restaurant(parseInput(restaurantParams, request.params, 'params').r);
      return outbox.load(transactionsChannel(r), () => newestFirst(transactions.filter((t) => t.restaurantId === r), FEED_SIZE));
    });

    app.get('/api/loyalty/admin/feed', async () => outbox.load(LOYALTY_EVENTS_CHANNEL, () => newestFirst(feed, FEED_SIZE)));

    app.post('/api/loyalty/cards/:id/points', async (request) => {
      const id = cardOf(request.params);
      const body = parseInput(movementBody, request.body, 'body');
      return move(id, 'points_added', body.points, restaurant(body.restaurantId));
    });

    app.post('/api/loyalty/cards/:id/redeem', async (request) => {
      const id = cardOf(request.params);
      const body = parseInput(movementBody, request.body, 'body');
      return move(id, 'points_redeemed', body.points, restaurant(body.restaurantId));
    });

    app.post('/api/loyalty/cards/:id/expire', async (request) => {
      const id = cardOf(request.params);
      return move(id, 'points_expired', parseInput(expireBody, request.body, 'body').points, null);
    });

    app.post('/api/loyalty/guests', async (request, reply) => {
      const { name } = parseInput(guestBody, request.body, 'body');
      return reply.status(201).send(registerGuest(name, `g-${randomToken()}`));
    });

    app.post('/api/loyalty/alerts', async (request, reply) => {
      const { title, body, priority } = parseInput(alertBody, request.body, 'body');
      outbox.notify({
        to: [ADMIN_ALERTS_CHANNEL],
        type: 'system_alert',
        title,
        ...(body ? { body } : {}),
        priority,
        actionUrl: '/loyalty/admin',
      });
      // Accepted: the outbox delivers it as soon as Herald answers.
      return reply.status(202).send({ queued: true });
    });
  }

  return { register, guestIdOfCard: (cardId) => cards.get(cardId)?.guestId };
}
