/**
 * Tokens of an existing identity provider (SPEC §3): RS256 / ES256 verified through a JWKS URL,
 * with algorithms pinned (no HS256-with-the-public-key confusion, no unlisted algorithms), and
 * the optional issuer / audience checks.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { describe, expect, it, onTestFinished } from 'vitest';
import { connect, connectRefused, publish, request, signToken, startHerald } from './helpers.js';

/** A JWKS endpoint on 127.0.0.1 serving `keys`, closed when the test ends. */
async function serveJwks(keys: JWK[]): Promise<string> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
}

interface Idp {
  url: string;
  rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  ec: { privateKey: CryptoKey; publicKey: CryptoKey };
}

async function identityProvider(): Promise<Idp> {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  const url = await serveJwks([
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
  ]);
  return { url, rsa, ec };
}

async function idpToken(
  key: CryptoKey,
  header: { alg: string; kid: string },
  claims: Record<string, unknown>,
  opts: { expiresIn?: number; issuer?: string; audience?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { sub, ...rest } = claims;
  let jwt = new SignJWT(rest).setProtectedHeader({ ...header, typ: 'JWT' }).setIssuedAt(now).setExpirationTime(now + (opts.expiresIn ?? 600));
  if (typeof sub === 'string') jwt = jwt.setSubject(sub);
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt = jwt.setAudience(opts.audience);
  return jwt.sign(key);
}

describe('JWKS-verified tokens', () => {
  it('accepts RS256 and ES256 tokens of the identity provider on the socket and on HTTP', async () => {
    const idp = await identityProvider();
    const h = await startHerald({ HERALD_JWKS_URL: idp.url, HERALD_JWT_SECRET: '' });
    const rs = await idpToken(idp.rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' }, { sub: 'idp-user', channels: ['feed:*'] });
    const es = await idpToken(idp.ec.privateKey, { alg: 'ES256', kid: 'ec-1' }, { sub: 'idp-user', roles: ['ops'] });
    const a = await connect(h, rs);
    const b = await connect(h, es);
    expect((await a.subscribe('feed:1')).ok).toBe(true);
    await publish(h, { channel: 'feed:1', event: 'app', data: null });
    await publish(h, { channel: 'role:ops', event: 'role', data: null });
    await a.waitFor((m) => m.event === 'app');
    await b.waitFor((m) => m.event === 'role');
    for (const token of [rs, es]) {
      const res = await request(h, 'GET', '/v1/sync?cursors=user:idp-user:0', undefined, { auth: token });
      expect(res.status).toBe(200);
    }
  });

  it('refuses a wrong key, algorithm confusion, unlisted algorithms and expired IdP tokens', async () => {
    const idp = await identityProvider();
    const h = await startHerald({ HERALD_JWKS_URL: idp.url, HERALD_JWT_SECRET: '' });
    const other = await generateKeyPair('RS256');
    const rs384 = await generateKeyPair('RS384');
    const publicPem = await exportSPKI(idp.rsa.publicKey);
    const publicJwkText = JSON.stringify(await exportJWK(idp.rsa.publicKey));
    const now = Math.floor(Date.now() / 1000);
    const hsWith = (secret: string) =>
      new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).setSubject('mallory').setExpirationTime(now + 600).sign(new TextEncoder().encode(secret));
    const cases: [string, string, string][] = [
      ['RS256 signed by another key under the same kid', await idpToken(other.privateKey, { alg: 'RS256', kid: 'rsa-1' }, { sub: 'mallory' }), 'AUTH_INVALID'],
      ['HS256 signed with the public key PEM', await hsWith(publicPem), 'AUTH_INVALID'],
      ['HS256 signed with the public JWK', await hsWith(publicJwkText), 'AUTH_INVALID'],
      ['RS384 (not an accepted algorithm)', await idpToken(rs384.privateKey, { alg: 'RS384', kid: 'rsa-1' }, { sub: 'mallory' }), 'AUTH_INVALID'],
      ['an unknown kid', await idpToken(idp.rsa.privateKey, { alg: 'RS256', kid: 'nope' }, { sub: 'mallory' }), 'AUTH_INVALID'],
      ['expired beyond the leeway', await idpToken(idp.rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' }, { sub: 'late' }, { expiresIn: -120 }), 'AUTH_EXPIRED'],
    ];
    for (const [what, token, code] of cases) {
      const res = await request(h, 'GET', '/v1/sync?cursors=broadcast:0', undefined, { auth: token });
      expect(res.status, what).toBe(401);
      expect(res.body.error.code, what).toBe(code);
      expect((await connectRefused(h, { token })).data?.code, what).toBe(code);
    }
  });

  it('without a JWT secret, POST /v1/tokens answers 501 TOKENS_DISABLED', async () => {
    const idp = await identityProvider();
    const h = await startHerald({ HERALD_JWKS_URL: idp.url, HERALD_JWT_SECRET: '' });
    const res = await request(h, 'POST', '/v1/tokens', { sub: 'x' });
    expect(res.status).toBe(501);
    expect(res.body.error.code).toBe('TOKENS_DISABLED');
  });

  it('with both a secret and a JWKS URL, HS256 and RS256 tokens are both accepted', async () => {
    const idp = await identityProvider();
    const h = await startHerald({ HERALD_JWKS_URL: idp.url });
    const rs = await idpToken(idp.rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' }, { sub: 'both' });
    const hs = await signToken(h, { sub: 'both' });
    for (const token of [rs, hs]) {
      expect((await request(h, 'GET', '/v1/sync?cursors=user:both:0', undefined, { auth: token })).status).toBe(200);
    }
  });
});

describe('issuer and audience', () => {
  it('with HERALD_JWT_ISSUER and HERALD_JWT_AUDIENCE set, only tokens carrying both are accepted; minted ones carry them', async () => {
    const h = await startHerald({ HERALD_JWT_ISSUER: 'https://idp.example', HERALD_JWT_AUDIENCE: 'herald' });
    const secret = new TextEncoder().encode(h.secret);
    const now = Math.floor(Date.now() / 1000);
    const make = (iss?: string, aud?: string) => {
      let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('iss-user').setExpirationTime(now + 600);
      if (iss) jwt = jwt.setIssuer(iss);
      if (aud) jwt = jwt.setAudience(aud);
      return jwt.sign(secret);
    };
    const sync = async (token: string) => request(h, 'GET', '/v1/sync?cursors=broadcast:0', undefined, { auth: token });
    expect((await sync(await make('https://idp.example', 'herald'))).status).toBe(200);
    for (const [what, token] of [
      ['no iss / aud', await make()],
      ['wrong issuer', await make('https://evil.example', 'herald')],
      ['wrong audience', await make('https://idp.example', 'other')],
    ] as const) {
      const res = await sync(token);
      expect(res.status, what).toBe(401);
      expect(res.body.error.code, what).toBe('AUTH_INVALID');
    }
    const minted = await request(h, 'POST', '/v1/tokens', { sub: 'iss-user' });
    expect((await sync(minted.body.token)).status).toBe(200);
  });
});
