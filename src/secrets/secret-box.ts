// Secrets the gateway must use but never show (webhook HMAC keys, header values, API keys of
// targets) are stored sealed: AES-256-GCM with a key from the configuration (SECRETS_KEY, 32
// bytes in base64) or from a key file (SECRETS_KEY_FILE, default <DATA_DIR>/secrets.key, made
// readable by its owner only on first use), never from the database. Each value is bound to
// where it belongs (its context, e.g. the target and field) as additional authenticated
// data, so a sealed value copied into another row does not open there. Several processes
// on one database must share the key.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PREFIX = 'sealed:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretError extends Error {
  override name = 'SecretError';
}

export interface SecretBox {
  /** Which key: the first 8 bytes of its SHA-256, hex (shown in sealed values). */
  keyId: string;
  seal(plain: string, context: string): string;
  /** The plain value; throws SecretError when it is not sealed, or not with this key for this context. */
  open(sealed: string, context: string): string;
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

export function secretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new SecretError(`the secrets key must be 32 bytes (AES-256), not ${key.length}`);
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return {
    keyId,
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${PREFIX}${keyId}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(sealed, context) {
      if (!isSealed(sealed)) throw new SecretError('the stored value is not sealed: it was not written by the gateway');
      const [id, data] = sealed.slice(PREFIX.length).split(':');
      if (id !== keyId) throw new SecretError(`the stored value was sealed with another key (${id}); this gateway has ${keyId}`);
      const raw = Buffer.from(data ?? '', 'base64url');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretError('the stored value does not open: it was changed, or belongs elsewhere');
      }
    },
  };
}

/** The key from SECRETS_KEY, else from its file (made on first use). */
export function loadSecretBox(options: { keyBase64: string | null; file: string }): { box: SecretBox; created: boolean } {
  if (options.keyBase64) return { box: secretBox(Buffer.from(options.keyBase64, 'base64')), created: false };
  let text: string;
  let created = false;
  try {
    text = readFileSync(options.file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    text = randomBytes(32).toString('base64');
    mkdirSync(path.dirname(options.file), { recursive: true });
    try {
      writeFileSync(options.file, `${text}\n`, { mode: 0o600, flag: 'wx' });
      created = true;
    } catch (raced) {
      // Another process made it first: use that one.
      if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
      text = readFileSync(options.file, 'utf8');
    }
  }
  return { box: secretBox(Buffer.from(text.trim(), 'base64')), created };
}
