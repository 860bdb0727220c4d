/**
 * Scenarios 1 and 2: a restaurant's orders and reservations, the admin dashboard, the kitchen
 * display and a guest's table session.
 *
 * Live views (each load answers `{ data, seq }` of its own channel):
 * - `restaurant:{r}:dashboard`: `order:created` {order}, `order:status` {order}, `reservation:created` {reservation}
 * - `restaurant:{r}:kitchen`: `order:created` {order}, `order:status` {order}
 * - `session:{sid}`: `order:created` {order}, `order:status` {order} for that table session's orders
 * Notifications: `order_created` and `reservation_created` to `restaurant:{r}:admins`.
 *
 * Every message carries the full record after the change, so a front end's reducer is an upsert.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DemoError, notFound, parseInput } from '../errors.js';
import type { Outbox } from '../outbox.js';
import { idSchema, intParam, intValue, iso, minutesAgo, newestFirst, newId, nowIso, randomToken } from './common.js';

/** An order's statuses, in the only order it may go through them. */
export const ORDER_STATUSES = ['pending', 'cooking', 'ready', 'served'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderItem {
  name: string;
  qty: number;
}

export interface Order {
  id: string;
  /** Per restaurant: #1, #2… as staff call it. */
  number: number;
  restaurantId: number;
  table: number;
  items: OrderItem[];
  status: OrderStatus;
  /** The table session it was placed from, if any. */
  sessionId?: string;
  createdAt: string;
  updatedAt: string;
}

export interface Reservation {
  id: string;
  restaurantId: number;
  name: string;
  partySize: number;
  /** When the party comes, ISO (with or without an offset, as the form sent it). */
  time: string;
  createdAt: string;
}

/** A QR code on a table opens one: the guest's orders, without an account. */
export interface TableSession {
  id: string;
  restaurantId: number;
  table: number;
}

interface Restaurant {
  id: number;
  name: string;
  menu: { name: string; price: number }[];
  tables: number[];
}

const TABLES = [1, 2, 3, 4, 5, 6, 7, 8];

const menu = (...items: [string, number][]) => items.map(([name, price]) => ({ name, price }));

const RESTAURANTS: Restaurant[] = [
  {
    id: 7,
    name: 'Trattoria Sette',
    tables: TABLES,
    menu: menu(['Margherita', 9.5], ['Spaghetti carbonara', 12], ['Lasagna', 13], ['Insalata mista', 7.5], ['Tiramisù', 6.5], ['Espresso', 2.5]),
  },
  {
    id: 8,
    name: 'Bistro Huit',
    tables: TABLES,
    menu: menu(['Soupe à l’oignon', 8.5], ['Croque-monsieur', 9], ['Steak frites', 19], ['Crème brûlée', 7], ['Café', 2.5]),
  },
];

/** The channels of a restaurant and of a table session (live views), and the admins' notification channel. */
export const dashboardChannel = (r: number) => `restaurant:${r}:dashboard`;
export const kitchenChannel = (r: number) => `restaurant:${r}:kitchen`;
export const adminsChannel = (r: number) => `restaurant:${r}:admins`;
export const sessionChannel = (sid: string) => `session:${sid}`;

const itemsSchema = z
  .array(z.strictObject({ name: z.string().min(1).max(100), qty: intValue.pipe(z.number().max(20)) }))
  .min(1)
  .max(20);
const restaurantParams = z.strictObject({ r: intParam });
const orderBody = z.strictObject({ table: intValue, items: itemsSchema });
const sessionOrderBody = z.strictObject({ items: itemsSchema });
const reservationBody = z.strictObject({
  name: z.string().trim().min(1).max(80),
  partySize: intValue.pipe(z.number().max(20)),
  time: z.iso.datetime({ local: true, offset: true }),
});
const statusParams = z.strictObject({ r: intParam, id: idSchema });
const statusBody = z.strictObject({ status: z.enum(ORDER_STATUSES) });
const tableParams = z.strictObject({ r: intParam, table: intParam });
const sessionParams = z.strictObject({ sid: idSchema });

export interface RestaurantScenario {
  /** Add the scenario's `/api/restaurants`, `/api/tables` and `/api/sessions` routes. */
  register(app: FastifyInstance): void;
  hasRestaurant(id: number): boolean;
  hasSession(id: string): boolean;
}

/** Restaurants 7 and 8 with their seed data, announcing every change through `outbox`. */
export function createRestaurantScenario(outbox: Outbox): RestaurantScenario {
  // Records are never changed in place: a change stores a new object. A load's answer and an
  // outbox entry may still be waiting to be serialized, and must show the record as it was.
  const orders = new Map<string, Order>();
  const reservations = new Map<string, Reservation>();
  const sessions = new Map<string, TableSession>();
  const lastNumber = new Map<number, number>();

  const restaurantOf = (r: number) => {
    const restaurant = RESTAURANTS.find((x) => x.id === r);
    if (!restaurant) throw notFound('restaurant', r);
    return restaurant;
  };

  /** Seed: a first load shows a few orders and reservations; nothing is announced. */
  function seed(): void {
    const seedOrder = (r: number, table: number, items: OrderItem[], status: OrderStatus, ago: number) => {
      const number = (lastNumber.get(r) ?? 0) + 1;
      lastNumber.set(r, number);
      const at = iso(minutesAgo(ago));
      const order: Order = { id: newId(minutesAgo(ago)), number, restaurantId: r, table, items, status, createdAt: at, updatedAt: at };
      orders.set(order.id, order);
    };
    const seedReservation = (r: number, name: string, partySize: number, inHours: number, ago: number) => {
      const time = iso(Math.ceil((Date.now() + inHours * 3_600_000) / 1_800_000) * 1_800_000);
      const reservation: Reservation = { id: newId(minutesAgo(ago)), restaurantId: r, name, partySize, time, createdAt: iso(minutesAgo(ago)) };
      reservations.set(reservation.id, reservation);
    };
    seedOrder(7, 2, [{ name: 'Margherita', qty: 2 }, { name: 'Espresso', qty: 2 }], 'served', 48);
    seedOrder(7, 4, [{ name: 'Lasagna', qty: 1 }, { name: 'Insalata mista', qty: 1 }], 'cooking', 12);
    seedOrder(7, 1, [{ name: 'Spaghetti carbonara', qty: 3 }], 'pending', 3);
    seedReservation(7, 'Rossi', 4, 2, 90);
    seedReservation(7, 'Nguyen', 2, 3, 30);
    seedOrder(8, 3, [{ name: 'Steak frites', qty: 2 }], 'cooking', 9);
    seedReservation(8, 'Martin', 6, 2, 60);
  }
  seed();

  /** Menu names only; answered as a validation failure naming the bad item. */
  function checkItems(r: number, items: OrderItem[]): void {
    const menu = new Set(restaurantOf(r).menu.map((m) => m.name));
    const details = items.flatMap((item, i) => (menu.has(item.name) ? [] : [{ path: `items.${i}.name`, message: `"${item.name}" is not on the menu` }]));
    if (details.length > 0) throw new DemoError('VALIDATION_FAILED', 'Invalid body', details);
  }

  const orderChannels = (order: Order) => [
    dashboardChannel(order.restaurantId),
    kitchenChannel(order.restaurantId),
    ...(order.sessionId ? [sessionChannel(order.sessionId)] : []),
  ];

  /** Create an order and, in the same step, announce it: live views, then the admins' notification. */
  function placeOrder(r: number, table: number, items: OrderItem[], sessionId?: string): Order {
    checkItems(r, items);
    if (!restaurantOf(r).tables.includes(table)) {
      throw new DemoError('VALIDATION_FAILED', 'Invalid body', [{ path: 'table', message: `table ${table} does not exist` }]);
    }
    const number = (lastNumber.get(r) ?? 0) + 1;
    lastNumber.set(r, number);
    const at = nowIso();
    const order: Order = { id: newId(), number, restaurantId: r, table, items, status: 'pending', ...(sessionId ? { sessionId } : {}), createdAt: at, updatedAt: at };
    orders.set(order.id, order);
    outbox.publish(orderChannels(order), 'order:created', { order });
    outbox.notify({
      to: [adminsChannel(r)],
      type: 'order_created',
      title: `New order #${number} · table ${table}`,
      body: items.map((i) => `${i.qty}× ${i.name}`).join(', '),
      actionUrl: `/restaurant/${r}/admin#order-${order.id}`,
      priority: 'normal',
      data: { restaurantId: r, orderId: order.id, number, table },
    });
    return order;
  }

  function register(app: FastifyInstance): void {
    app.get('/api/restaurants', async () => RESTAURANTS.map(({ id, name }) => ({ id, name })));

    app.get('/api/restaurants/:r', async (request) => {
      const { r } = parseInput(restaurantParams, request.params, 'params');
      const { id, name, menu, tables } = restaurantOf(r);
      return { id, name, menu, tables };
    });

    app.get('/api/restaurants/:r/dashboard', async (request) => {
      const { r } = parseInput(restaurantParams, request.params, 'params');
      restaurantOf(r);
      return outbox.load(dashboardChannel(r), () => ({
        orders: newestFirst([...orders.values()].filter((o) => o.restaurantId === r)),
        reservations: newestFirst([...reservations.values()].filter((x) => x.restaurantId === r)),
      }));
    });

    app.get('/api/restaurants/:r/kitchen', async (request) => {
      const { r } = parseInput(restaurantParams, request.params, 'params');
      restaurantOf(r);
      return outbox.load(kitchenChannel(r), () => ({
        orders: newestFirst([...orders.values()].filter((o) => o.restaurantId === r && o.status !== 'served')),
      }));
    });

    app.post('/api/restaurants/:r/orders', async (request, reply) => {
      const { r } = parseInput(restaurantParams, request.params, 'params');
      restaurantOf(r);
      const { table, items } = parseInput(orderBody, request.body, 'body');
      return reply.status(201).send({ order: placeOrder(r, table, items) });
    });

    app.post('/api/restaurants/:r/reservations', async (request, reply) => {
      const { r } = parseInput(restaurantParams, request.params, 'params');
      restaurantOf(r);
      const { name, partySize, time } = parseInput(reservationBody, request.body, 'body');
      const reservation: Reservation = { id: newId(), restaurantId: r, name, partySize, time, createdAt: nowIso() };
      reservations.set(reservation.id, reservation);
      outbox.publish([dashboardChannel(r)], 'reservation:created', { reservation });
      outbox.notify({
        to: [adminsChannel(r)],
        type: 'reservation_created',
        title: `New reservation · ${name}, ${partySize} ${partySize === 1 ? 'person' : 'people'}`,
        body: `For ${time.slice(0, 16).replace('T', ' ')}`,
        actionUrl: `/restaurant/${r}/admin#reservation-${reservation.id}`,
        priority: 'normal',
        data: { restaurantId: r, reservationId: reservation.id },
      });
      return reply.status(201).send({ reservation });
    });

    app.post('/api/restaurants/:r/orders/:id/status', async (request) => {
      const { r, id } = parseInput(statusParams, request.params, 'params');
      const order = orders.get(id);
      if (!order || order.restaurantId !== r) throw notFound('order', id);
      const { status } = parseInput(statusBody, request.body, 'body');
      // Forward one step at a time: pending → cooking → ready → served.
      if (ORDER_STATUSES.indexOf(status) !== ORDER_STATUSES.indexOf(order.status) + 1) {
        throw new DemoError('INVALID_TRANSITION', `Order ${id} is ${order.status}; it cannot become ${status}`, { from: order.status, to: status });
      }
      const updated: Order = { ...order, status, updatedAt: nowIso() };
      orders.set(id, updated);
      outbox.publish(orderChannels(updated), 'order:status', { order: updated });
      return { order: updated };
    });

    app.post('/api/tables/:r/:table/session', async (request, reply) => {
      const { r, table } = parseInput(tableParams, request.params, 'params');
      if (!restaurantOf(r).tables.includes(table)) throw notFound('table', table);
      const session: TableSession = { id: randomToken(), restaurantId: r, table };
      sessions.set(session.id, session);
      return reply.status(201).send({ sessionId: session.id });
    });

    app.get('/api/sessions/:sid', async (request) => {
      const { sid } = parseInput(sessionParams, request.params, 'params');
      const session = sessions.get(sid);
      if (!session) throw notFound('session', sid);
      return outbox.load(sessionChannel(sid), () => ({
        session,
        orders: newestFirst([...orders.values()].filter((o) => o.sessionId === sid)),
      }));
    });

    app.post('/api/sessions/:sid/orders', async (request, reply) => {
      const { sid } = parseInput(sessionParams, request.params, 'params');
      const session = sessions.get(sid);
      if (!session) throw notFound('session', sid);
      const { items } = parseInput(sessionOrderBody, request.body, 'body');
      return reply.status(201).send({ order: placeOrder(session.restaurantId, session.table, items, sid) });
    });
  }

  return {
    register,
    hasRestaurant: (id) => RESTAURANTS.some((x) => x.id === id),
    hasSession: (id) => sessions.has(id),
  };
}
