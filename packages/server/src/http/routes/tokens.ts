import { mintTokenBodySchema, mintTokenResponseSchema, type MintTokenBody } from '@herald/protocol';
import type { FastifyInstance } from 'fastify';
import type { TokenVerifier } from '../../auth/index.js';
import type { AuthHooks } from '../auth.js';
import { errorAnswers } from '../openapi.js';

/** Lifetime of a minted token when the caller does not say. */
export const DEFAULT_TOKEN_TTL_S = 3600;

export function tokenRoutes(app: FastifyInstance, { auth, tokens }: { auth: AuthHooks; tokens: TokenVerifier }): void {
  app.post<{ Body: MintTokenBody }>(
    '/v1/tokens',
    {
      schema: {
        summary: 'Mint a client token (HS256; needs HERALD_JWT_SECRET)',
        tags: ['tokens'],
        operationId: 'mintToken',
        body: mintTokenBodySchema,
        response: { 200: mintTokenResponseSchema, ...errorAnswers('TOKENS_DISABLED') },
      },
      onRequest: auth.server,
    },
    async (request) => {
      const { ttlSeconds = DEFAULT_TOKEN_TTL_S, ...claims } = request.body;
      return tokens.mint(claims, ttlSeconds);
    },
  );
}
