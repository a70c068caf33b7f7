import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyId, SecretUnreadable, seal, unseal } from './secret-box';

describe('secret box', () => {
  const current = randomBytes(32);
  const previous = randomBytes(32);

  it('opens what it sealed, with a fresh IV each time, under the current or the previous key', () => {
    const one = seal({ current }, 'hunter2', 'slipway-setting:S1:1');
    const two = seal({ current }, 'hunter2', 'slipway-setting:S1:1');
    expect(one).not.toBe(two);
    expect(one).not.toContain(Buffer.from('hunter2').toString('base64'));
    expect(unseal({ current }, one, 'slipway-setting:S1:1')).toBe('hunter2');
    const old = seal({ current: previous }, 'rotated', 'slipway-setting:S1:2');
    expect(unseal({ current, previous }, old, 'slipway-setting:S1:2')).toBe('rotated');
  });

  it('refuses a ciphertext moved onto another setting or version: the associated data binds it', () => {
    const sealed = seal({ current }, 'hunter2', 'slipway-setting:S1:1');
    expect(() => unseal({ current }, sealed, 'slipway-setting:S2:1')).toThrow(SecretUnreadable);
    expect(() => unseal({ current }, sealed, 'slipway-setting:S1:2')).toThrow(SecretUnreadable);
  });

  it('names the key a value was sealed under when neither key held opens it, never decrypting garbage', () => {
    const sealed = seal({ current: previous }, 'hunter2', 'aad');
    expect(() => unseal({ current }, sealed, 'aad')).toThrow(
      new RegExp(`encrypted under key ${keyId(previous)}, which is neither SLIPWAY_SECRET_KEY`),
    );
    const parts = sealed.split('.');
    parts[1] = keyId(current);
    expect(() => unseal({ current }, parts.join('.'), 'aad')).toThrow(/authentication failed/);
  });
});
