import { type Head, readHead } from './change-log';
import type { MongoCollections } from './mongo-collections';
import { advanceProjections } from './projections';

/**
 * `readHead`, and when the projection turns out to lag, bring it (and the runs and transitions
 * projections) up to date before answering: whoever learns of a change from the log, a reader as
 * much as a writer, can then also find it in the listings, and find its run by id.
 */
export async function currentHead(collections: MongoCollections, resourceId: string): Promise<Head | null> {
  const head = await readHead(collections, resourceId);
  if (head && head.applyFrom <= head.pos) {
    await advanceProjections(collections, resourceId, head.applyFrom);
  }
  return head;
}
