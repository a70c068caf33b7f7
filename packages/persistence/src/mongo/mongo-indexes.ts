import type { IndexDescription } from 'mongodb';
import type { MongoCollections } from './mongo-collections';

/**
 * Named explicitly so creating them again is a no-op on every start. Only plain and compound
 * indexes, unique or not: FerretDB v1 has no partial, sparse or TTL indexes.
 */
const INDEXES: { [K in keyof MongoCollections]?: IndexDescription[] } = {
  // No secondary index on `changes`: it is only ever read by `_id` (resourceId@pos), whose
  // uniqueness is the commit point of every write.
  resources: [
    { key: { nameKey: 1 }, name: 'nameKey_unique', unique: true },
    { key: { kind: 1, _id: -1 }, name: 'kind_id' },
  ],
  runs: [
    { key: { status: 1, _id: 1 }, name: 'status_id' },
    { key: { createdAt: 1, _id: 1 }, name: 'createdAt_id' },
    { key: { resourceId: 1, createdAt: 1, _id: 1 }, name: 'resourceId_createdAt_id' },
  ],
  rollupDeltas: [{ key: { hour: 1 }, name: 'hour' }],
  rollupBuckets: [{ key: { gen: 1, token: 1, hour: 1 }, name: 'gen_token_hour' }],
  transitions: [
    { key: { resourceId: 1, seq: 1 }, name: 'resourceId_seq_unique', unique: true },
    { key: { endedAt: 1, _id: 1 }, name: 'endedAt_id' },
    { key: { resourceId: 1, endedAt: 1, _id: 1 }, name: 'resourceId_endedAt_id' },
    { key: { runId: 1, endedAt: 1, _id: 1 }, name: 'runId_endedAt_id' },
    { key: { kind: 1, endedAt: 1, _id: 1 }, name: 'kind_endedAt_id' },
  ],
};

/**
 * One index per command: FerretDB v1.24 drops an already existing index from the batch by its
 * position in the original list (`slices.Delete` in validateIndexesForCreation), so a batch of two
 * or more indexes that exist already panics the connection on every start after the first.
 */
export async function ensureIndexes(collections: MongoCollections): Promise<void> {
  for (const [name, indexes] of Object.entries(INDEXES)) {
    const collection = collections[name as keyof MongoCollections];
    for (const index of indexes ?? []) await collection.createIndexes([index]);
  }
}
