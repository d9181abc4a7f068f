// API keys: `aqg_<key id, 32 hex>_<secret, 43 base64url characters>`. The id finds the
// stored key; only a scrypt hash of the secret is stored, so a database dump reveals no key.
import { randomBytes, randomUUID, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PREFIX = 'aqg';
const FORMAT = /^aqg_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;
/** N = 2^14, r = 8, p = 1: about 16 MiB and tens of milliseconds per check (OWASP's minimum). */
const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scryptAsync(secret: string, salt: Buffer, params: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, KEY_LENGTH, { ...params, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))));
}

export interface NewApiKey {
  id: string;
  /** Shown once. */
  key: string;
  secretHash: string;
}

export async function generateApiKey(): Promise<NewApiKey> {
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `${PREFIX}_${id.replaceAll('-', '')}_${secret}`, secretHash: await hashSecret(secret) };
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function secretMatches(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptAsync(secret, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The key id (a UUID) and the secret of a well-formed key, or null. */
export function parseApiKey(key: string): { id: string; secret: string } | null {
  const match = FORMAT.exec(key);
  if (!match) return null;
  const hex = match[1]!;
  return { id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`, secret: match[2]! };
}
