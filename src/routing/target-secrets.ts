// A target's secrets as stored: its secret (webhook HMAC key, API key) and its header values
// sealed (secrets/secret-box.ts), each bound to the target and field it belongs to. Sealed on
// the way in by the routing manager, opened only by the delivery worker on the way out.
import { isSealed, type SecretBox } from '../secrets/secret-box.js';
import type { TargetConfig, WebhookConfig } from './target-config.js';

const secretContext = (targetId: string) => `target:${targetId}:secret`;
const headerContext = (targetId: string, name: string) => `target:${targetId}:header:${name}`;

const hasHeaders = (config: TargetConfig): config is WebhookConfig => 'headers' in config && typeof config.headers === 'object' && config.headers !== null;

/**
 * The config and secret to store for target `targetId` (null and undefined secrets stay as
 * they are). `storedBefore`: values already sealed are kept (sealing what an older version
 * stored in plain text); a client's values are always sealed, whatever they look like.
 */
export function sealTargetSecrets<S extends string | null | undefined>(box: SecretBox, targetId: string, config: TargetConfig, secret: S, storedBefore = false): { config: TargetConfig; secret: S } {
  const seal = (value: string, context: string) => (storedBefore && isSealed(value) ? value : box.seal(value, context));
  const sealedSecret = (typeof secret === 'string' ? seal(secret, secretContext(targetId)) : secret) as S;
  if (!hasHeaders(config)) return { config, secret: sealedSecret };
  const headers = Object.fromEntries(Object.entries(config.headers).map(([name, value]) => [name, seal(value, headerContext(targetId, name))]));
  return { config: { ...config, headers }, secret: sealedSecret };
}

/** The plain config and secret the delivery worker sends with; throws SecretError when one does not open. */
export function openTargetSecrets(box: SecretBox, targetId: string, config: TargetConfig, secret: string | null): { config: TargetConfig; secret: string | null } {
  const plain = secret === null ? null : box.open(secret, secretContext(targetId));
  if (!hasHeaders(config)) return { config, secret: plain };
  const headers = Object.fromEntries(Object.entries(config.headers).map(([name, value]) => [name, box.open(value, headerContext(targetId, name))]));
  return { config: { ...config, headers }, secret: plain };
}

/** Whether a stored target still holds a secret or header value in plain text (written before sealing). */
export function holdsPlainSecrets(config: TargetConfig, secret: string | null): boolean {
  return (secret !== null && !isSealed(secret)) || (hasHeaders(config) && Object.values(config.headers).some((v) => !isSealed(v)));
}
