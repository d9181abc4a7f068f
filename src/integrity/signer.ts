// The Ed25519 key that signs chain checkpoints. It comes from the configuration
// (CHECKPOINT_KEY: a PKCS#8 PEM) or from a key file (CHECKPOINT_KEY_FILE, default
// <DATA_DIR>/checkpoint-ed25519.pem), which is made, readable by its owner only, when it
// does not exist: the zero-setup path signs from the first start. Several processes on one
// database should share one key (set CHECKPOINT_KEY or the same file).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../events/canonical.js';

export interface CheckpointClaim {
  account: string;
  sequence: number;
  /** The chain link at `sequence`, hex. */
  hash: string;
  signedAt: string;
  keyId: string;
}

export interface Signer {
  keyId: string;
  /** SPKI PEM: what a third party needs to check signatures. */
  publicKeyPem: string;
  sign(claim: CheckpointClaim): Buffer;
}

/** Which key: the first 16 bytes of the SHA-256 of its DER public key, hex. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 32);
}

/** The bytes a checkpoint signature covers: canonical JSON of the claim. */
export function claimBytes(claim: CheckpointClaim): Buffer {
  return Buffer.from(canonicalJson(claim), 'utf8');
}

export function verifyClaim(claim: CheckpointClaim, signature: Buffer, publicKeyPem: string): boolean {
  try {
    return verify(null, claimBytes(claim), createPublicKey(publicKeyPem), signature);
  } catch {
    return false;
  }
}

export function loadSigner(options: { pem?: string | null; file: string }): { signer: Signer; created: boolean } {
  let pem = options.pem ?? null;
  let created = false;
  if (!pem) {
    try {
      pem = readFileSync(options.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const { privateKey } = generateKeyPairSync('ed25519');
      pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      mkdirSync(path.dirname(options.file), { recursive: true });
      writeFileSync(options.file, pem, { mode: 0o600, flag: 'wx' });
      created = true;
    }
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the checkpoint key must be an Ed25519 key, not ${privateKey.asymmetricKeyType}`);
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  return {
    created,
    signer: {
      keyId,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
      sign: (claim) => sign(null, claimBytes(claim), privateKey),
    },
  };
}
