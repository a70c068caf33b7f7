import { nextChange } from './change-log';
import { currentHead } from './current-head';
import type { MongoCollections } from './mongo-collections';

export interface ReconcileReport {
  /** Resources whose projections were behind their change log and were brought up to it. */
  resources: number;
}

/**
 * The recovery sweep: a writer that died between appending its change and updating the
 * projections left the resource document at an older position than its log. A look per
 * resource, by `_id`, at the positions after and at its projection finds each such resource;
 * applying its remaining changes is idempotent, so the sweep is safe while other processes keep writing.
 */
export async function reconcile(collections: MongoCollections): Promise<ReconcileReport> {
  let resources = 0;
  const projected = collections.resources.find({}, { projection: { _id: 1, pos: 1 } });
  for await (const { _id, pos } of projected) {
    if (!(await nextChange(collections, _id, pos))) continue;
    // Reading the head projects whatever the log holds beyond the projection, past a pruned gap too.
    await currentHead(collections, _id);
    resources++;
  }
  return { resources };
}
