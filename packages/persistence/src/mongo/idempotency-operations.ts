import type { IdempotencyLease, IdempotencyRecord, IdempotencyReservation } from '@slipway/domain';
import type { Filter } from 'mongodb';
import { isDuplicateKey } from './driver-errors';
import {
  completedDocument,
  type IdempotencyDocument,
  isCurrent,
  type KeyDocument,
  reservedDocument,
  toReservation,
} from './idempotency-mapper';
import type { MongoCollections } from './mongo-collections';

/** A key released or taken over between our failed insert and our read is simply claimed again. */
const RESERVE_ATTEMPTS = 5;
/**
 * How long a takeover marker shuts out other takers: far longer than the read and write it
 * guards. A taker that died in between leaves the next attempt number free after this.
 */
const MARKER_LEASE_MS = 30_000;
/** Markers are deleted this long after their lease, when nobody can still be acting on them. */
const MARKER_KEEP_MS = 60 * 60_000;
const MARKER_ATTEMPTS = 5;

function markerId(key: string, token: string | undefined, attempt: number): string {
  return `${key}\u0001${token ?? 'unversioned'}\u0001${attempt}`;
}

async function readKey(collections: MongoCollections, key: string): Promise<KeyDocument | null> {
  const document = await collections.idempotency.findOne({ _id: key });
  return document && document.state !== 'superseding' ? document : null;
}

type Supersede = 'done' | 'contended' | 'gone';

/**
 * Replaces (or, with null, deletes) the record of `key` at version `token`, for a caller that does
 * not hold it: a lapsed reservation or record taken over, a dead owner's reservation released.
 * FerretDB v1 applies no conditional write atomically, so the right to act on one version is an
 * insert: of all callers racing for the same version, the one that inserts its marker acts, the
 * others are told `contended`. `gone` means the record moved on before the winner looked again.
 */
async function supersede(
  collections: MongoCollections,
  key: string,
  token: string | undefined,
  replacement: KeyDocument | null,
): Promise<Supersede> {
  for (let attempt = 1; attempt <= MARKER_ATTEMPTS; attempt++) {
    const _id = markerId(key, token, attempt);
    try {
      const expiresAt = new Date(Date.now() + MARKER_LEASE_MS).toISOString();
      await collections.idempotency.insertOne({ _id, state: 'superseding', key, expiresAt });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const marker = await collections.idempotency.findOne({ _id });
      if (marker?.state === 'superseding' && marker.expiresAt > new Date().toISOString()) return 'contended';
      continue;
    }
    const existing = await readKey(collections, key);
    if (!existing || existing.token !== token) return 'gone';
    if (replacement) {
      const { _id: _key, ...document } = replacement;
      await collections.idempotency.replaceOne({ _id: key }, document);
    } else {
      await collections.idempotency.deleteOne({ _id: key });
    }
    return 'done';
  }
  return 'contended';
}

/**
 * The insert is the claim: `_id` is unique, so of many racing requests exactly one inserts. A
 * record that has lapsed (reservation expired, retention over) is taken over through `supersede`.
 */
export async function reserveIdempotency(
  collections: MongoCollections,
  key: string,
  fingerprint: string,
  lease: IdempotencyLease,
  now: string,
): Promise<IdempotencyReservation> {
  const document = reservedDocument(key, fingerprint, lease, now);
  for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
    try {
      await collections.idempotency.insertOne(document);
      return { kind: 'reserved' };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const existing = await readKey(collections, key);
    if (!existing) continue;
    if (isCurrent(existing, now)) return toReservation(existing);
    const outcome = await supersede(collections, key, existing.token, document);
    if (outcome === 'done') return { kind: 'reserved' };
    if (outcome === 'contended') return { kind: 'in-progress' };
  }
  return { kind: 'in-progress' };
}

/**
 * Only the holder of a reservation completes or releases it, and only within its lease: nobody
 * else writes the record then, so read-then-write by `_id` (the one filter FerretDB v1 does not
 * answer by scanning) needs no atomicity.
 */
async function heldBy(collections: MongoCollections, key: string, claimId: string): Promise<boolean> {
  const existing = await readKey(collections, key);
  return existing?.state === 'reserved' && existing.token === claimId;
}

export async function completeIdempotency(
  collections: MongoCollections,
  key: string,
  claimId: string,
  record: IdempotencyRecord,
): Promise<void> {
  if (!(await heldBy(collections, key, claimId))) return;
  const { _id, ...document } = completedDocument(key, claimId, record);
  await collections.idempotency.replaceOne({ _id }, document);
}

/**
 * Frees a key whose request produced nothing worth replaying. A completed key is kept: releasing it
 * would let a retry run the request a second time.
 */
export async function releaseIdempotency(
  collections: MongoCollections,
  key: string,
  claimId: string,
): Promise<void> {
  if (await heldBy(collections, key, claimId)) await collections.idempotency.deleteOne({ _id: key });
}

export async function idempotencyOwners(collections: MongoCollections): Promise<string[]> {
  const held = await collections.idempotency
    .find({ state: 'reserved' }, { projection: { state: 1, owner: 1 } })
    .toArray();
  const owners = held.map((document) => (document.state === 'reserved' ? document.owner : undefined));
  return [...new Set(owners.filter((owner): owner is string => owner !== undefined))];
}

export async function releaseIdempotencyOwnedBy(
  collections: MongoCollections,
  owner: string,
): Promise<number> {
  const held = await collections.idempotency.find({ state: 'reserved', owner }).toArray();
  let released = 0;
  for (const document of held) {
    if (document.state !== 'reserved') continue;
    if ((await supersede(collections, document._id, document.token, null)) === 'done') released += 1;
  }
  return released;
}

/** What the purge reads of a lapsed document: its kind and version, never its stored response. */
type PurgeCandidate = Pick<IdempotencyDocument, '_id' | 'state'> & { token?: string };

/**
 * Only what can be purged, so live records, with their bodies, stay in the database. A record
 * without its time (written before leases and retention) has lapsed, as `isCurrent` has it.
 */

function lapsedFilter(now: string, markersBefore: string): Filter<IdempotencyDocument> {
  return {
    $or: [
      { state: 'reserved', expiresAt: { $lte: now } },
      { state: 'reserved', expiresAt: { $exists: false } },
      { state: 'completed', keepUntil: { $lte: now } },
      { state: 'completed', keepUntil: { $exists: false } },
      { state: 'superseding', expiresAt: { $lt: markersBefore } },
    ],
  };
}

/** Deletes lapsed records (each through `supersede`, so a concurrent takeover wins or loses whole) and old markers. */
export async function purgeIdempotency(collections: MongoCollections, now: string): Promise<number> {
  const markersBefore = new Date(Date.now() - MARKER_KEEP_MS).toISOString();
  const candidates = await collections.idempotency
    .find(lapsedFilter(now, markersBefore), {
      projection: { _id: 1, state: 1, token: 1 },
    })
    .toArray();
  let purged = 0;
  for (const document of candidates as PurgeCandidate[]) {
    if (document.state === 'superseding') {
      await collections.idempotency.deleteOne({ _id: document._id });
      continue;
    }
    if ((await supersede(collections, document._id, document.token, null)) === 'done') purged += 1;
  }
  return purged;
}
