import type { Principal } from '@slipway/domain';

/**
 * How long a verified token is believed without asking the store again. Revoking a token or
 * suspending a user is seen by every other API process sharing the store within this bound; the
 * process that made the change forgets the token at once.
 */
export const VERIFIED_TOKEN_TTL_MS = 1000;

interface Verified {
  principal: Principal;
  verifiedAt: number;
}

/**
 * Principals of recently verified tokens, keyed by the token's SHA-256 (never the secret). Only
 * successes are kept: a failure is always checked again, so a token issued a moment ago works.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Verified>();

  constructor(private readonly options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {}

  private get ttlMs(): number {
    return Math.min(this.options.ttlMs ?? VERIFIED_TOKEN_TTL_MS, VERIFIED_TOKEN_TTL_MS);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  get(hash: string): Principal | null {
    const entry = this.entries.get(hash);
    if (!entry) return null;
    if (this.now() - entry.verifiedAt >= this.ttlMs) {
      this.entries.delete(hash);
      return null;
    }
    return entry.principal;
  }

  /** `verifiedAt` is when the store was read, not when the answer arrived: the bound counts from the read. */
  set(hash: string, principal: Principal, verifiedAt: number): void {
    this.entries.delete(hash);
    this.entries.set(hash, { principal, verifiedAt });
    const max = this.options.maxEntries ?? 10_000;
    // Map order is insertion order: the first key is the least recently verified.
    while (this.entries.size > max) this.entries.delete(this.entries.keys().next().value as string);
  }

  forgetToken(hash: string): void {
    this.entries.delete(hash);
  }

  forgetUser(userId: string): void {
    for (const [hash, entry] of this.entries)
      if (entry.principal.userId === userId) this.entries.delete(hash);
  }
}
