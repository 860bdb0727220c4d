/**
 * `herald check-token <jwt>`: is this client token accepted, and if not, why? The verdict comes
 * from the server's own verifier (`auth/jwt.ts`, the code every handshake and request runs) with
 * the server's key configuration; this file only decodes the token, without trusting it, to
 * explain the verdict in plain words, and asks `auth/` and `inbox/` what an accepted token
 * entitles.
 */
import { channelGrantSchema, HeraldError, roleSchema, subjectSchema } from '@herald/protocol';
import { CLOCK_TOLERANCE_S, createTokenVerifier, isEntitled, type ClientPrincipal } from '../auth/index.js';
import type { HeraldConfig } from '../config/index.js';
import { inboxViewer } from '../inbox/service.js';
import { EXIT, readStdin, stringOption, UsageError, type CliContext, type CommandSpec, type Parsed } from './args.js';
import { devCredentials } from './credentials.js';
import { table, whenText } from './format.js';

export const spec: CommandSpec = {
  name: 'check-token',
  summary: 'Verify a client token as the server would, and explain why it is refused.',
  usage: 'check-token <jwt> [--channel <name>] [--json]',
  description: `Decodes the token's header and claims (without trusting them), verifies it with the server's
own code and key configuration, and says in plain words what is wrong: malformed, alg "none" or
an algorithm the server does not accept, a signature from another key, expired (with the
${CLOCK_TOLERANCE_S} s leeway), not yet valid, wrong issuer or audience, missing or invalid claims.
For an accepted token it lists what it entitles: its inbox channels and its channel grants.
Exit code 0 when the token is accepted, 1 when it is refused.`,
  positionals: [{ name: 'jwt', required: true, help: 'The token; - reads it from stdin.' }],
  options: {
    channel: { type: 'string', value: '<name>', help: 'Also say whether the token may read this channel.' },
    json: { type: 'boolean', help: 'Print the verdict as one JSON object.' },
  },
  env: [
    ['HERALD_JWT_SECRET', "the server's HS256 secret"],
    ['HERALD_JWKS_URL', "the identity provider's JWKS (RS256 / ES256)"],
    ['HERALD_JWT_ISSUER', 'required iss, when the server sets it'],
    ['HERALD_JWT_AUDIENCE', 'required aud, when the server sets it'],
    ['(neither set)', 'the dev secret in ./data/dev-credentials.json (not under NODE_ENV=production)'],
  ],
  examples: [
    'herald check-token eyJhbGciOiJIUzI1NiIs...',
    'herald token alice --roles admin | herald check-token -',
    'herald check-token "$TOKEN" --channel restaurant:7',
  ],
};

type Reason =
  | 'accepted'
  | 'malformed'
  | 'alg-none'
  | 'alg-not-allowed'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'issuer'
  | 'audience'
  | 'claims'
  | 'other';

interface Decoded {
  header: Record<string, unknown> | undefined;
  claims: Record<string, unknown> | undefined;
  /** Why it cannot be decoded at all. */
  malformed: string | undefined;
  /** Whether the signature part is empty (as in an alg "none" token). */
  unsigned: boolean;
}

const asObject = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    return asObject(JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')));
  } catch {
    return undefined;
  }
}

/** The token's parts, read without any verification: only to explain the verifier's verdict. */
function decode(token: string): Decoded {
  const parts = token.split('.');
  if (parts.length !== 3) {
    const malformed = `it has ${parts.length} part${parts.length === 1 ? '' : 's'}, a JWT has 3 (header.claims.signature)`;
    return { header: undefined, claims: undefined, malformed, unsigned: false };
  }
  const header = decodeSegment(parts[0]!);
  const claims = decodeSegment(parts[1]!);
  const malformed = !header ? 'its header is not base64url-encoded JSON' : !claims ? 'its claims are not base64url-encoded JSON' : undefined;
  return { header, claims, malformed, unsigned: parts[2] === '' };
}

/** The key configuration the server would verify with, and a phrase saying where it came from. */
function keyConfig(ctx: CliContext): { jwt: HeraldConfig['jwt']; source: string } {
  const env = ctx.env;
  const secret = env.HERALD_JWT_SECRET || undefined;
  const jwksUrl = env.HERALD_JWKS_URL || undefined;
  const claims = { issuer: env.HERALD_JWT_ISSUER || undefined, audience: env.HERALD_JWT_AUDIENCE || undefined };
  if (secret || jwksUrl) {
    const source = [secret && 'HERALD_JWT_SECRET', jwksUrl && `HERALD_JWKS_URL (${jwksUrl})`].filter(Boolean).join(' and ');
    return { jwt: { secret, jwksUrl, ...claims }, source };
  }
  // As the server: the dev secret applies only when neither key source is configured.
  const dev = devCredentials(ctx);
  if (!dev) {
    throw new UsageError('nothing to verify with: set HERALD_JWT_SECRET or HERALD_JWKS_URL as the server has them, or run where `herald start` wrote data/dev-credentials.json');
  }
  return { jwt: { secret: dev.credentials.jwtSecret, jwksUrl: undefined, ...claims }, source: 'the dev secret in data/dev-credentials.json' };
}

/** What the server accepts, in words. */
function acceptedAlgorithms(jwt: HeraldConfig['jwt']): string {
  const list = [jwt.secret && 'HS256 (signed with its shared secret)', jwt.jwksUrl && 'RS256 and ES256 (keys from HERALD_JWKS_URL)'].filter(Boolean);
  return list.join(' and ');
}

/** Problems of the claims the verifier checks after the signature (sub, exp, roles, channels). */
function claimProblems(claims: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (claims.sub === undefined) problems.push('it has no sub: every client token names its user');
  else if (!subjectSchema.safeParse(claims.sub).success) problems.push(`its sub ${JSON.stringify(claims.sub)} is not valid (1–195 characters of A-Z a-z 0-9 _ . : @ -)`);
  if (claims.exp === undefined) problems.push('it has no exp: Herald refuses tokens that never expire');
  else if (typeof claims.exp !== 'number') problems.push(`its exp ${JSON.stringify(claims.exp)} is not a number of seconds`);
  if (claims.roles !== undefined && !(Array.isArray(claims.roles) && claims.roles.length <= 50 && claims.roles.every((r) => roleSchema.safeParse(r).success))) {
    problems.push('its roles claim is not a list of at most 50 role names');
  }
  if (
    claims.channels !== undefined &&
    !(Array.isArray(claims.channels) && claims.channels.length <= 100 && claims.channels.every((c) => channelGrantSchema.safeParse(c).success))
  ) {
    problems.push('its channels claim is not a list of at most 100 channel names or ns:* grants');
  }
  for (const name of ['iat', 'nbf'] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== 'number') problems.push(`its ${name} ${JSON.stringify(claims[name])} is not a number of seconds`);
  }
  return problems;
}

/** Why the verifier refused the token, in plain words. */
function explainRefusal(err: HeraldError, decoded: Decoded, jwt: HeraldConfig['jwt'], source: string): { reason: Reason; explanation: string } {
  const { header, claims } = decoded;
  if (decoded.malformed || !header || !claims) {
    return { reason: 'malformed', explanation: `The token is malformed: ${decoded.malformed ?? 'it cannot be decoded'}.` };
  }
  const leeway = `Herald allows ${CLOCK_TOLERANCE_S} s of clock leeway`;
  if (err.code === 'AUTH_EXPIRED' && typeof claims.exp === 'number') {
    const refusedFrom = new Date((claims.exp + CLOCK_TOLERANCE_S) * 1000).toISOString();
    return {
      reason: 'expired',
      explanation: `It expired at ${whenText(claims.exp * 1000)}. ${leeway}, so it is refused since ${refusedFrom}. Mint a new one (herald token <sub>); a client's getToken should return a fresh token when asked.`,
    };
  }
  // The verifier maps jose's errors onto Herald's codes and keeps jose's error as the cause.
  const jose = (err.cause as { code?: unknown } | undefined)?.code;
  const alg = header.alg;
  if (jose === 'ERR_JOSE_ALG_NOT_ALLOWED') {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
      return { reason: 'alg-none', explanation: 'Its header says alg "none": an unsigned token, which anyone could write. Herald never accepts one.' };
    }
    return {
      reason: 'alg-not-allowed',
      explanation: `Its header says alg ${JSON.stringify(alg)}, which this server does not accept: it accepts ${acceptedAlgorithms(jwt)}.`,
    };
  }
  if (jose === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || jose === 'ERR_JWKS_NO_MATCHING_KEY') {
    return {
      reason: 'bad-signature',
      explanation: `The signature does not match: the token was signed with another secret or key than the one checked (${source}), or altered after signing.`,
    };
  }
  const problems = claimProblems(claims);
  if (jose === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    const now = Date.now() / 1000;
    if (typeof claims.nbf === 'number' && claims.nbf > now + CLOCK_TOLERANCE_S) {
      return {
        reason: 'not-yet-valid',
        explanation: `Its nbf claim says it is not valid before ${whenText(claims.nbf * 1000)}; ${leeway}. The issuer's clock may be ahead of this one.`,
      };
    }
    if (jwt.issuer !== undefined && claims.iss !== jwt.issuer) {
      return { reason: 'issuer', explanation: `Its iss is ${JSON.stringify(claims.iss)}; this server requires ${JSON.stringify(jwt.issuer)} (HERALD_JWT_ISSUER).` };
    }
    const aud = claims.aud;
    if (jwt.audience !== undefined && !(aud === jwt.audience || (Array.isArray(aud) && aud.includes(jwt.audience)))) {
      return { reason: 'audience', explanation: `Its aud is ${JSON.stringify(aud)}; this server requires ${JSON.stringify(jwt.audience)} (HERALD_JWT_AUDIENCE).` };
    }
  }
  if (problems.length > 0) return { reason: 'claims', explanation: `Its claims are not valid: ${problems.join('; ')}.` };
  if (jose === 'ERR_JWS_INVALID' || jose === 'ERR_JWT_INVALID') {
    const why = decoded.unsigned ? 'it has no signature' : 'a part is not strict base64url, or the header is not one the server accepts';
    return { reason: 'malformed', explanation: `The token is malformed: ${why}.` };
  }
  return { reason: 'other', explanation: err.message };
}

/** What an accepted token entitles, from the server's own entitlement rules. */
function entitlement(principal: ClientPrincipal, channel: string | undefined) {
  return {
    sub: principal.sub,
    roles: [...principal.roles],
    channels: [...principal.channels],
    expiresAt: new Date(principal.expiresAt).toISOString(),
    inboxChannels: inboxViewer(principal).channels,
    ...(channel === undefined ? {} : { channel: { name: channel, entitled: isEntitled(principal, channel) } }),
  };
}

export async function run(parsed: Parsed, ctx: CliContext): Promise<number> {
  const raw = parsed.positionals[0]!;
  const token = (raw === '-' ? await readStdin(ctx) : raw).trim();
  const channel = stringOption(parsed, 'channel');
  const { jwt, source } = keyConfig(ctx);
  let verifier;
  try {
    verifier = createTokenVerifier(jwt);
  } catch (err) {
    throw new UsageError(`the key configuration is not usable: ${err instanceof Error ? err.message : String(err)}`);
  }
  const decoded = decode(token);
  let principal: ClientPrincipal | undefined;
  let refusal: HeraldError | undefined;
  try {
    principal = await verifier.verify(token);
  } catch (err) {
    if (!(err instanceof HeraldError)) throw err;
    refusal = err;
  }
  const verdict = principal
    ? { reason: 'accepted' as Reason, explanation: 'The server accepts this token.' }
    : explainRefusal(refusal!, decoded, jwt, source);
  const entitled = principal ? entitlement(principal, channel) : undefined;

  if (parsed.values.json) {
    const answer = {
      valid: principal !== undefined,
      ...(refusal ? { code: refusal.code, message: refusal.message } : {}),
      reason: verdict.reason,
      explanation: verdict.explanation,
      checkedWith: source,
      header: decoded.header ?? null,
      claims: decoded.claims ?? null,
      ...(entitled ? { entitlement: entitled } : {}),
    };
    ctx.stdout.write(`${JSON.stringify(answer)}\n`);
    return principal ? EXIT.ok : EXIT.failed;
  }

  const lines: string[] = [];
  lines.push(principal ? `Token accepted (checked with ${source}).` : `Token refused: ${refusal!.code} (checked with ${source}).`);
  if (!principal) lines.push(`  ${verdict.explanation}`);
  if (decoded.header) lines.push('', `Header: ${JSON.stringify(decoded.header)}`);
  if (decoded.claims) {
    const c = decoded.claims;
    const rows: [string, string][] = [['sub', c.sub === undefined ? '(none)' : JSON.stringify(c.sub)]];
    if (c.roles !== undefined) rows.push(['roles', JSON.stringify(c.roles)]);
    if (c.channels !== undefined) rows.push(['channels', JSON.stringify(c.channels)]);
    for (const name of ['iat', 'nbf', 'exp'] as const) {
      const v = c[name];
      if (v !== undefined) rows.push([name, typeof v === 'number' ? whenText(v * 1000) : JSON.stringify(v)]);
    }
    for (const name of ['iss', 'aud'] as const) if (c[name] !== undefined) rows.push([name, JSON.stringify(c[name])]);
    lines.push(`Claims${principal ? '' : ' (unverified)'}:`, table(rows));
  }
  if (entitled) {
    const grants = entitled.channels.length === 0 ? '(none)' : entitled.channels.map((g) => (g.endsWith(':*') ? `${g} (every ${g.slice(0, -1)}… channel)` : g)).join(', ');
    lines.push('', 'Entitles:', table([
      ['inbox', entitled.inboxChannels.join(', ')],
      ['may read', `user:${entitled.sub}, ${entitled.roles.map((r) => `role:${r}, `).join('')}broadcast, and its grants: ${grants}`],
    ]));
    if (entitled.channel) lines.push(`  ${entitled.channel.name}: ${entitled.channel.entitled ? 'may read' : 'may NOT read'}`);
  }
  ctx.stdout.write(`${lines.join('\n')}\n`);
  return principal ? EXIT.ok : EXIT.failed;
}
