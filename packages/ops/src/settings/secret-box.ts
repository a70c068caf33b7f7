import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** The keys a process holds: it encrypts under `current` and decrypts under either. */
export interface SecretKeys {
  current: Buffer;
  previous?: Buffer | undefined;
}

const FORMAT = 'v1';

/** A key's public name on each ciphertext, so the right key is tried and a wrong one is named, never guessed. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('slipway-secret-key').update(key).digest('hex').slice(0, 16);
}

export class SecretUnreadable extends Error {
  override readonly name = 'SecretUnreadable';
}

/**
 * AES-256-GCM with a fresh 96-bit IV per value; `aad` (the setting id and version) binds the
 * ciphertext to its place, so one copied onto another setting or version fails to open.
 */
export function seal(keys: SecretKeys, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.current, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    FORMAT,
    keyId(keys.current),
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    body.toString('base64url'),
  ].join('.');
}

/** The key id a ciphertext was sealed under, or null for something that is no ciphertext of ours. */
export function sealedUnder(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === FORMAT ? parts[1]! : null;
}

export function unseal(keys: SecretKeys, sealed: string, aad: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== FORMAT)
    throw new SecretUnreadable('the stored value is not a ciphertext Slipway wrote');
  const [, id, iv, tag, body] = parts as [string, string, string, string, string];
  const key = [keys.current, keys.previous].find((candidate) => candidate && keyId(candidate) === id);
  if (!key) {
    throw new SecretUnreadable(
      `it was encrypted under key ${id}, which is neither SLIPWAY_SECRET_KEY (${keyId(keys.current)}) nor SLIPWAY_SECRET_KEY_PREVIOUS${keys.previous ? ` (${keyId(keys.previous)})` : ' (unset)'}`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    // GCM's tag check: a tampered, moved or wrongly keyed ciphertext never decrypts into garbage.
    throw new SecretUnreadable(
      'its authentication failed: it was altered or belongs to another setting or version',
    );
  }
}
