import type { Collection, Filter, WithoutId } from 'mongodb';
import { isDuplicateKey } from './driver-errors';

/** One retry settles it: the document that collided is there now, and documents here are never deleted. */
const ATTEMPTS = 3;

/**
 * Writes `document` whole under its `_id`, creating it if need be. FerretDB v1 upserts by looking
 * for the document and inserting when there is none, so two writers upserting a document that does
 * not exist yet both insert and one gets a duplicate key on `_id`, although the document now
 * exists and a plain replace would have done. That writer simply replaces again.
 */
export async function upsertById<T extends { _id: string }>(
  collection: Collection<T>,
  document: T,
): Promise<void> {
  const { _id, ...rest } = document;
  const filter = { _id } as Filter<T>;
  for (let attempt = 1; ; attempt++) {
    try {
      await collection.replaceOne(filter, rest as WithoutId<T>, { upsert: true });
      return;
    } catch (error) {
      if (!isDuplicateKey(error) || attempt === ATTEMPTS) throw error;
    }
  }
}
