import type { IdempotencyReservation, StoredResponse } from '@slipway/domain';
import { isDuplicateKey } from './driver-errors';
import { completedDocument, toReservation } from './idempotency-mapper';
import type { MongoCollections } from './mongo-collections';
import { upsertById } from './upsert-by-id';

/** A key released between our failed insert and our read is simply claimed again. */
const RESERVE_ATTEMPTS = 5;

/** The insert is the claim: `_id` is unique, so of many racing requests exactly one inserts. */
export async function reserveIdempotency(
  collections: MongoCollections,
  key: string,
  fingerprint: string,
): Promise<IdempotencyReservation> {
  for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
    try {
      const reservedAt = new Date().toISOString();
      await collections.idempotency.insertOne({ _id: key, state: 'reserved', fingerprint, reservedAt });
      return { kind: 'reserved' };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const existing = await collections.idempotency.findOne({ _id: key });
    if (existing) return toReservation(existing);
  }
  return { kind: 'in-progress' };
}

/** Only the request that reserved the key completes it, so a plain replace cannot race. */
export async function completeIdempotency(
  collections: MongoCollections,
  key: string,
  fingerprint: string,
  response: StoredResponse,
): Promise<void> {
  await upsertById(collections.idempotency, completedDocument(key, fingerprint, response));
}

/**
 * Frees a key whose request produced nothing worth replaying. A completed key is kept: releasing it
 * would let a retry run the request a second time. Only the owner releases or completes, so the
 * check needs no atomicity against a concurrent write.
 */
export async function releaseIdempotency(collections: MongoCollections, key: string): Promise<void> {
  // Read, then delete by `_id` alone: FerretDB v1 scans the collection for any other filter.
  const existing = await collections.idempotency.findOne({ _id: key }, { projection: { state: 1 } });
  if (existing?.state === 'reserved') await collections.idempotency.deleteOne({ _id: key });
}
