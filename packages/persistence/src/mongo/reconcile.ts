import { readChange } from './change-log';
import type { MongoCollections } from './mongo-collections';
import { advanceProjections } from './projections';

export interface ReconcileReport {
  /** Resources whose projections were behind their change log and were brought up to it. */
  resources: number;
}

/**
 * The recovery sweep: a writer that died between appending its change and updating the
 * projections left the resource document at an older position than its log. One look per
 * resource, by `_id`, at the position after its projection finds each such resource; applying
 * its remaining changes is idempotent, so the sweep is safe while other processes keep writing.
 */
export async function reconcile(collections: MongoCollections): Promise<ReconcileReport> {
  let resources = 0;
  const projected = collections.resources.find({}, { projection: { _id: 1, pos: 1 } });
  for await (const { _id, pos } of projected) {
    if (!(await readChange(collections, _id, pos + 1))) continue;
    await advanceProjections(collections, _id, pos + 1);
    resources++;
  }
  return { resources };
}
