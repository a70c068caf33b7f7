import type { IdempotencyReservation, StoredResponse } from '@slipway/domain';
import type { LmdbDatabases } from './lmdb-databases';

/** Runs inside a write transaction, so of two callers racing for a key exactly one reserves it. */
export function reserveIdempotency(
  dbs: LmdbDatabases,
  key: string,
  fingerprint: string,
  at: string,
): IdempotencyReservation {
  const record = dbs.idempotency.get(key);
  if (!record) {
    dbs.idempotency.put(key, { state: 'reserved', fingerprint, reservedAt: at });
    return { kind: 'reserved' };
  }
  if (record.state === 'reserved') return { kind: 'in-progress' };
  return { kind: 'completed', fingerprint: record.fingerprint, response: record.response };
}

export function completeIdempotency(
  dbs: LmdbDatabases,
  key: string,
  fingerprint: string,
  response: StoredResponse,
): void {
  dbs.idempotency.put(key, { state: 'completed', fingerprint, response });
}

/**
 * Frees a key whose request produced nothing worth replaying. A completed key is kept: releasing
 * it would let a retry run the request a second time.
 */
export function releaseIdempotency(dbs: LmdbDatabases, key: string): void {
  if (dbs.idempotency.get(key)?.state === 'reserved') dbs.idempotency.remove(key);
}
