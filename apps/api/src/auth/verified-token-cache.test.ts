import { describe, expect, it } from 'vitest';
import { VERIFIED_TOKEN_TTL_MS, VerifiedTokenCache } from './verified-token-cache';

const alice = { id: 'alice', userId: 'u1', permissions: ['image:read'] };
const bob = { id: 'bob', userId: 'u2', permissions: [] };

describe('verified-token cache', () => {
  it('believes a verification for less than the bound, and asks again from the bound on', () => {
    let now = 10_000;
    const cache = new VerifiedTokenCache({ now: () => now });
    cache.set('h1', alice, now);
    now += VERIFIED_TOKEN_TTL_MS - 1;
    expect(cache.get('h1')).toEqual(alice);
    now += 1;
    expect(cache.get('h1')).toBeNull();
  });

  it('never believes longer than the bound, whatever it is configured with', () => {
    let now = 0;
    const cache = new VerifiedTokenCache({ ttlMs: 60_000, now: () => now });
    cache.set('h1', alice, now);
    now = VERIFIED_TOKEN_TTL_MS;
    expect(cache.get('h1')).toBeNull();
  });

  it('counts the bound from the store read, not from when the answer was cached', () => {
    const now = 5_000;
    const cache = new VerifiedTokenCache({ now: () => now });
    cache.set('h1', alice, now - VERIFIED_TOKEN_TTL_MS);
    expect(cache.get('h1')).toBeNull();
  });

  it('forgets one token, or every token of a user, at once', () => {
    const cache = new VerifiedTokenCache({ now: () => 0 });
    cache.set('h1', alice, 0);
    cache.set('h2', alice, 0);
    cache.set('h3', bob, 0);
    cache.forgetToken('h3');
    expect(cache.get('h3')).toBeNull();
    cache.forgetUser('u1');
    expect([cache.get('h1'), cache.get('h2')]).toEqual([null, null]);
  });

  it('keeps at most maxEntries, dropping the least recently verified', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 2, now: () => 0 });
    cache.set('h1', alice, 0);
    cache.set('h2', alice, 0);
    cache.set('h3', bob, 0);
    expect([cache.get('h1'), cache.get('h2'), cache.get('h3')]).toEqual([null, alice, bob]);
  });
});
