/**
 * Who a demo visitor can be, and what each persona's client token may read. A real application
 * would mint after its own sign-in; the demo lets the page pick a persona.
 *
 * The token's `channels` claim is the whole of a persona's entitlement besides its own
 * `user:{sub}` channel (and `role:{r}` for its roles): Herald refuses any other channel.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DemoError, notFound, parseInput } from './errors.js';
import { HeraldError, type HeraldNodeClient } from '@herald/node';
import { idSchema, intValue } from './domain/common.js';

/** Minted tokens live one hour; the client SDK asks for a new one before that. */
export const TOKEN_TTL_SECONDS = 3600;

const restaurantId = intValue;

/** `POST /api/token` body: the persona and its parameters. */
export const tokenRequestSchema = z.discriminatedUnion('persona', [
  z.strictObject({ persona: z.literal('restaurant-admin'), restaurantId, name: idSchema }),
  z.strictObject({ persona: z.literal('kitchen'), restaurantId, screen: idSchema }),
  z.strictObject({ persona: z.literal('guest'), sessionId: idSchema }),
  z.strictObject({ persona: z.literal('loyalty-guest'), cardId: idSchema }),
  z.strictObject({ persona: z.literal('loyalty-restaurant'), restaurantId }),
  z.strictObject({ persona: z.literal('loyalty-admin') }),
  z.strictObject({ persona: z.literal('queue-user'), user: idSchema }),
  z.strictObject({ persona: z.literal('market-client'), id: idSchema }),
  z.strictObject({ persona: z.literal('market-provider'), id: idSchema }),
]);
export type TokenRequest = z.infer<typeof tokenRequestSchema>;

/** The claims of a client token. */
export interface PersonaClaims {
  sub: string;
  roles?: string[];
  channels: string[];
}

/** What the personas need to know from the scenarios. */
export interface PersonaLookups {
  hasRestaurant(id: number): boolean;
  hasSession(id: string): boolean;
  guestIdOfCard(cardId: string): string | undefined;
}

/**
 * The claims of a persona; `NOT_FOUND` for a restaurant, session or card that does not exist.
 * @example claimsOf({ persona: 'kitchen', restaurantId: 7, screen: 'grill' }, lookups)
 * // { sub: 'r7-kitchen-grill', channels: ['restaurant:7:kitchen'] }
 */
export function claimsOf(request: TokenRequest, lookups: PersonaLookups): PersonaClaims {
  const restaurant = (r: number) => {
    if (!lookups.hasRestaurant(r)) throw notFound('restaurant', r);
    return r;
  };
  switch (request.persona) {
    case 'restaurant-admin': {
      const r = restaurant(request.restaurantId);
      return { sub: `r${r}-admin-${request.name}`, channels: [`restaurant:${r}:dashboard`, `restaurant:${r}:admins`] };
    }
    case 'kitchen': {
      const r = restaurant(request.restaurantId);
      return { sub: `r${r}-kitchen-${request.screen}`, channels: [`restaurant:${r}:kitchen`] };
    }
    case 'guest':
      if (!lookups.hasSession(request.sessionId)) throw notFound('session', request.sessionId);
      return { sub: `guest-${request.sessionId}`, channels: [`session:${request.sessionId}`] };
    case 'loyalty-guest': {
      const guestId = lookups.guestIdOfCard(request.cardId);
      if (!guestId) throw notFound('card', request.cardId);
      return { sub: `guest-${guestId}`, channels: [`card:${request.cardId}`] };
    }
    case 'loyalty-restaurant': {
      const r = restaurant(request.restaurantId);
      return { sub: `r${r}-manager`, channels: [`restaurant:${r}:transactions`] };
    }
    case 'loyalty-admin':
      return { sub: 'loyalty-admin', roles: ['admin'], channels: ['loyalty:events'] };
    case 'queue-user':
      return { sub: request.user, channels: [`jobs:${request.user}`] };
    case 'market-client':
      return { sub: `client-${request.id}`, channels: [`market:client-${request.id}`] };
    case 'market-provider':
      return { sub: `provider-${request.id}`, channels: [`market:provider-${request.id}`] };
  }
}

/** `POST /api/token { persona, ...params }` → `{ token, expiresAt, sub }`, minted by Herald. */
export function registerTokenRoute(app: FastifyInstance, api: HeraldNodeClient, lookups: PersonaLookups): void {
  app.post('/api/token', async (request) => {
    const claims = claimsOf(parseInput(tokenRequestSchema, request.body, 'body'), lookups);
    try {
      const { token, expiresAt } = await api.mintToken({ ...claims, ttlSeconds: TOKEN_TTL_SECONDS });
      return { token, expiresAt, sub: claims.sub };
    } catch (err) {
      if (err instanceof HeraldError && err.retryable) throw new DemoError('HERALD_UNAVAILABLE', 'Herald is not reachable; try again shortly');
      throw err;
    }
  });
}
