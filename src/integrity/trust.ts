// Which checkpoint signatures count. Trust never comes from what is being checked: not
// from the database's signing_keys table, not from an export's header (whoever can write
// to the database can add a key of their own there and sign a rewritten chain). The
// gateway trusts its own key and the public keys its configuration lists
// (CHECKPOINT_TRUSTED_KEYS, CHECKPOINT_TRUSTED_KEYS_FILE: old keys after a rotation); the
// offline verifier trusts only the keys given on its command line (--public-key).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { keyIdOf, verifyClaim, type CheckpointClaim } from './signer.js';

export interface TrustedKey {
  keyId: string;
  /** SPKI PEM. */
  publicKey: string;
  /** Where it came from (the signing key, a variable, a file, an argument): for messages. */
  source: string;
}

export type SignatureVerdict = 'valid' | 'untrusted' | 'invalid';

export interface TrustedKeys {
  readonly keys: readonly TrustedKey[];
  /** `untrusted`: signed by a key that is not trusted; `invalid`: a trusted key's id, but the signature does not hold. */
  check(claim: CheckpointClaim, signature: Buffer): SignatureVerdict;
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

/**
 * The Ed25519 public keys in a text of PEM blocks (public keys; a private key stands for its
 * public half). Throws with `source` named when a block is not an Ed25519 key or the text
 * holds none.
 */
export function parsePublicKeys(text: string, source: string): TrustedKey[] {
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (!blocks.length) throw new Error(`${source} holds no PEM public key (-----BEGIN PUBLIC KEY-----)`);
  return blocks.map((pem, i) => {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch {
      throw new Error(`${source}: PEM block ${i + 1} is not a key`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${source}: PEM block ${i + 1} is an ${key.asymmetricKeyType} key; checkpoints are signed with Ed25519`);
    return { keyId: keyIdOf(key), publicKey: key.export({ type: 'spki', format: 'pem' }) as string, source };
  });
}

export function trustedKeys(keys: readonly TrustedKey[]): TrustedKeys {
  const byId = new Map<string, TrustedKey>();
  for (const k of keys) if (!byId.has(k.keyId)) byId.set(k.keyId, k);
  return {
    keys: [...byId.values()],
    check(claim, signature) {
      const key = byId.get(claim.keyId);
      if (!key) return 'untrusted';
      return verifyClaim(claim, signature, key.publicKey) ? 'valid' : 'invalid';
    },
  };
}

/** The trusted keys the configuration lists (CHECKPOINT_TRUSTED_KEYS and the file CHECKPOINT_TRUSTED_KEYS_FILE). */
export function configuredTrustedKeys(options: { pem: string | null; file: string | null }): TrustedKey[] {
  const keys: TrustedKey[] = [];
  if (options.pem) keys.push(...parsePublicKeys(options.pem, 'CHECKPOINT_TRUSTED_KEYS'));
  if (options.file) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (error) {
      throw new Error(`CHECKPOINT_TRUSTED_KEYS_FILE ${options.file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    keys.push(...parsePublicKeys(text, options.file));
  }
  return keys;
}
