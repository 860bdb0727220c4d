/**
 * The in-line HS256 verifier (`src/auth/hs256.ts`) against jose, the reference it replaces on the
 * handshake path: on valid tokens, hand-crafted attacks and thousands of random mutations, it must
 * never accept a token jose refuses, must return jose's claims when it accepts, must refuse an
 * expired token as expired (AUTH_EXPIRED) exactly when jose does, and may refuse a token jose
 * accepts only for the documented stricter rules (a `crit` header, a non-canonical segment).
 */
import { createHmac } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { hs256Verifier, type ClaimChecks } from '../src/auth/hs256.js';

const SECRET = 'a-test-secret-of-reasonable-length-0123456789';
const OTHER = 'another-secret-of-reasonable-length-012345678';
const now = () => Math.floor(Date.now() / 1000);

const b64 = (raw: string | Buffer) => Buffer.from(raw).toString('base64url');
const segment = (part: unknown) => (part instanceof Buffer ? b64(part) : typeof part === 'string' ? b64(part) : b64(JSON.stringify(part)));
const mac = (input: string, secret = SECRET) => createHmac('sha256', secret).update(input).digest();

/** A compact JWS: header and claims as objects (JSON), raw strings, or raw bytes. */
function token(header: unknown, claims: unknown, secret = SECRET): string {
  const input = `${segment(header)}.${segment(claims)}`;
  return `${input}.${b64(mac(input, secret))}`;
}

type Outcome = { ok: true; claims: unknown } | { ok: false; expired: boolean; name: string };

async function viaJose(t: string, checks: ClaimChecks): Promise<Outcome> {
  try {
    const { payload } = await jwtVerify(t, new TextEncoder().encode(SECRET), { ...checks, algorithms: ['HS256'] });
    return { ok: true, claims: payload };
  } catch (err) {
    return { ok: false, expired: err instanceof errors.JWTExpired, name: (err as Error).name };
  }
}

function viaInline(t: string, checks: ClaimChecks): Outcome {
  try {
    return { ok: true, claims: hs256Verifier(SECRET, checks)(t) };
  } catch (err) {
    expect(err).toBeInstanceOf(errors.JOSEError);
    return { ok: false, expired: err instanceof errors.JWTExpired, name: (err as Error).name };
  }
}

/** The documented cases where the in-line verifier is stricter than jose. */
function stricterBecause(t: string): string | null {
  const parts = t.split('.');
  if (parts.length === 3 && parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return 'not strict base64url';
  if (parts.length === 3) {
    const sig = Buffer.from(parts[2]!, 'base64url');
    if (sig.toString('base64url') !== parts[2]) return 'non-canonical signature';
    try {
      const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
      if (header && typeof header === 'object' && 'crit' in header) return 'crit header';
    } catch {
      // not JSON: jose refuses it too
    }
  }
  return null;
}

const CONFIGS: ClaimChecks[] = [{ clockTolerance: 30 }, { clockTolerance: 30, issuer: 'https://idp.example', audience: 'herald' }];

function corpus(): string[] {
  const n = now();
  const hs = { alg: 'HS256', typ: 'JWT' };
  const base = { sub: 'user-1', exp: n + 3600, iat: n };
  const full = { ...base, iss: 'https://idp.example', aud: 'herald' };
  const tokens: string[] = [];
  const headers: unknown[] = [
    hs,
    { alg: 'HS256' },
    { alg: 'none' },
    { alg: 'HS384' },
    { alg: 'hs256' },
    { typ: 'JWT' },
    { alg: 256 },
    { alg: ['HS256'] },
    { alg: 'HS256', crit: ['b64'], b64: true },
    { alg: 'HS256', crit: ['b64'], b64: false },
    { alg: 'HS256', crit: ['exp'] },
    { alg: 'HS256', crit: [] },
    { alg: 'HS256', kid: 'k1', extra: { nested: true } },
    '[{"alg":"HS256"}]',
    'null',
    '"HS256"',
    '{"alg":"HS256"',
    'not json',
    ' {"alg":"HS256"} ',
    Buffer.concat([Buffer.from('{"alg":"HS256","x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
  ];
  const claimSets: unknown[] = [
    base,
    full,
    { sub: 'user-1' },
    { ...base, exp: n - 25 },
    { ...base, exp: n - 35 },
    { ...base, exp: n - 100_000 },
    { ...base, exp: String(n + 3600) },
    { ...base, exp: null },
    { ...base, nbf: n + 25 },
    { ...base, nbf: n + 35 },
    { ...base, nbf: 'soon' },
    { ...base, iat: 'now' },
    { ...base, iat: null },
    { ...full, iss: 'https://evil.example' },
    { ...full, aud: 'other' },
    { ...full, aud: ['other', 'herald'] },
    { ...full, aud: ['other'] },
    { ...full, aud: [] },
    { ...full, aud: 7 },
    { ...base, aud: 'herald' },
    { ...base, iss: 'https://idp.example' },
    { ...full, iss: ['https://idp.example'] },
    '[1,2]',
    '"a string"',
    '42',
    'null',
    '{"sub":"u","exp":',
    '{"sub":"u","__proto__":{"admin":true},"exp":' + (n + 60) + '}',
    Buffer.concat([Buffer.from('{"sub":"'), Buffer.from([0xc3, 0x28]), Buffer.from('","exp":' + (n + 60) + '}')]),
  ];
  for (const h of headers) for (const c of claimSets) tokens.push(token(h, c));
  for (const c of claimSets) tokens.push(token(hs, c, OTHER));

  const valid = token(hs, full);
  const [h, p, s] = valid.split('.') as [string, string, string];
  const sig = Buffer.from(s, 'base64url');
  const last = s[s.length - 1]!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  // Same 32 bytes, other trailing bits: the non-canonical spellings of the signature.
  for (const c of alphabet) {
    const other = s.slice(0, -1) + c;
    if (c !== last && Buffer.from(other, 'base64url').equals(sig)) tokens.push(`${h}.${p}.${other}`);
  }
  tokens.push(
    `${h}.${p}.`,
    `${h}.${p}.${s}=`,
    `${h}.${p}.${s.slice(0, -1)}`,
    `${h}.${p}.${s}A`,
    `${h}.${p}.${sig.toString('base64')}`,
    `${h}.${p}.${b64(Buffer.concat([sig, Buffer.from([0])]))}`,
    `${h}.${p}`,
    `${h}.${p}.${s}.`,
    `.${p}.${s}`,
    `${h}..${s}`,
    `${h}.${p}.${s} `,
    ` ${h}.${p}.${s}`,
    `${h}=.${p}.${s}`,
    valid.replace('.', '.\n'),
    '',
    '...',
    'a.b.c',
  );
  // Signed over the unencoded claims (what b64: false would mean), and over other inputs.
  tokens.push(`${h}.${p}.${b64(mac(`${h}.${JSON.stringify(full)}`))}`);
  tokens.push(`${h}.${p}.${b64(mac(`${h}${p}`))}`);

  // Random mutations of valid tokens: 1–3 characters replaced, inserted or deleted.
  let seed = 0x5eed;
  const rnd = (k: number) => {
    seed = (seed * 1_103_515_245 + 12_345) >>> 0;
    return seed % k;
  };
  const chars = `${alphabet}.=+/ `;
  for (let i = 0; i < 3000; i++) {
    let t = rnd(2) ? valid : token(hs, base);
    for (let k = rnd(3) + 1; k > 0; k--) {
      const at = rnd(t.length + 1);
      const c = chars[rnd(chars.length)]!;
      const op = rnd(3);
      t = op === 0 ? t.slice(0, at) + c + t.slice(at + 1) : op === 1 ? t.slice(0, at) + c + t.slice(at) : t.slice(0, at) + t.slice(at + 1);
    }
    tokens.push(t);
  }
  return tokens;
}

describe('in-line HS256 verification against jose', () => {
  it('never accepts what jose refuses, agrees on the claims and on expiry, and is stricter only where documented', async () => {
    const tokens = corpus();
    for (const checks of CONFIGS) {
      let bothAccept = 0;
      let bothRefuse = 0;
      const stricter = new Map<string, number>();
      for (const t of tokens) {
        const reference = await viaJose(t, checks);
        const inline = viaInline(t, checks);
        if (inline.ok) {
          expect(reference, `jose refuses a token the in-line verifier accepts: ${t}`).toEqual(inline);
          bothAccept++;
        } else if (reference.ok) {
          const why = stricterBecause(t);
          expect(why, `only the in-line verifier refuses ${t} (${inline.name})`).not.toBeNull();
          stricter.set(why!, (stricter.get(why!) ?? 0) + 1);
        } else {
          // An expired token the in-line verifier refuses earlier, for a stricter rule, is refused as invalid.
          if (inline.expired !== reference.expired) {
            expect(stricterBecause(t) !== null && !inline.expired, `expiry verdicts differ on ${t}: jose ${reference.name}, in-line ${inline.name}`).toBe(true);
          }
          bothRefuse++;
        }
      }
      // The corpus exercises every path: valid tokens, refusals, and each stricter rule.
      expect(bothAccept).toBeGreaterThanOrEqual(checks.issuer ? 5 : 20);
      expect(bothRefuse).toBeGreaterThan(2000);
      expect(stricter.get('crit header')).toBeGreaterThan(0);
      expect(stricter.get('non-canonical signature')).toBeGreaterThan(0);
    }
  });

  it('refuses alg none, other algorithms, a wrong key, and expired tokens with the right class', () => {
    const verify = hs256Verifier(SECRET, { clockTolerance: 30 });
    const claims = { sub: 'u', exp: now() + 60 };
    expect(verify(token({ alg: 'HS256' }, claims))).toEqual(claims);
    const noneToken = `${segment({ alg: 'none' })}.${segment(claims)}.`;
    expect(() => verify(noneToken)).toThrow(errors.JOSEError);
    expect(() => verify(token({ alg: 'HS512' }, claims))).toThrow(errors.JOSEAlgNotAllowed);
    expect(() => verify(token({ alg: 'HS256' }, claims, OTHER))).toThrow(errors.JWSSignatureVerificationFailed);
    expect(() => verify(token({ alg: 'HS256' }, { sub: 'u', exp: now() - 31 }))).toThrow(errors.JWTExpired);
    expect(verify(token({ alg: 'HS256' }, { sub: 'u', exp: now() - 20 }))).toMatchObject({ sub: 'u' });
  });
});
