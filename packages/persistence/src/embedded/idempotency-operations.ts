import type { IdempotencyLease, IdempotencyRecord, IdempotencyReservation } from '@slipway/domain';
import type { IdempotencyEntry, LmdbDatabases } from './lmdb-databases';

/**
 * Whether an entry still counts as of `now`. Entries written before leases and retention existed
 * carry neither time: they count as lapsed, which frees keys an old crash left reserved.
 */
function current(entry: IdempotencyEntry, now: string): boolean {
  const until = entry.state === 'reserved' ? entry.expiresAt : entry.keepUntil;
  return until !== undefined && until > now;
}

/** Runs inside a write transaction, so of two callers racing for a key exactly one reserves it. */
export function reserveIdempotency(
  dbs: LmdbDatabases,
  key: string,
  fingerprint: string,
  lease: IdempotencyLease,
  now: string,
): IdempotencyReservation {
  const entry = dbs.idempotency.get(key);
  if (!entry || !current(entry, now)) {
    dbs.idempotency.put(key, { state: 'reserved', fingerprint, reservedAt: now, ...lease });
    return { kind: 'reserved' };
  }
  if (entry.state === 'reserved') return { kind: 'in-progress' };
  return { kind: 'completed', fingerprint: entry.fingerprint, response: entry.response };
}

function heldBy(dbs: LmdbDatabases, key: string, claimId: string): boolean {
  const entry = dbs.idempotency.get(key);
  return entry?.state === 'reserved' && entry.claimId === claimId;
}

export function completeIdempotency(
  dbs: LmdbDatabases,
  key: string,
  claimId: string,
  record: IdempotencyRecord,
): void {
  if (heldBy(dbs, key, claimId)) dbs.idempotency.put(key, { state: 'completed', ...record });
}

/**
 * Frees a key whose request produced nothing worth replaying. A completed key is kept: releasing
 * it would let a retry run the request a second time.
 */
export function releaseIdempotency(dbs: LmdbDatabases, key: string, claimId: string): void {
  if (heldBy(dbs, key, claimId)) dbs.idempotency.remove(key);
}

export function idempotencyOwners(dbs: LmdbDatabases): string[] {
  const owners = new Set<string>();
  for (const { value } of dbs.idempotency.getRange()) {
    if (value.state === 'reserved' && value.owner !== undefined) owners.add(value.owner);
  }
  return [...owners];
}

export function releaseIdempotencyOwnedBy(dbs: LmdbDatabases, owner: string): number {
  let released = 0;
  for (const { key, value } of dbs.idempotency.getRange()) {
    if (value.state === 'reserved' && value.owner === owner) {
      dbs.idempotency.remove(key);
      released += 1;
    }
  }
  return released;
}

export function purgeIdempotency(dbs: LmdbDatabases, now: string): number {
  let purged = 0;
  for (const { key, value } of dbs.idempotency.getRange()) {
    if (!current(value, now)) {
      dbs.idempotency.remove(key);
      purged += 1;
    }
  }
  return purged;
}
