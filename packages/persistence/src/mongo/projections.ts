import type { ChangeDocument } from './change-document';
import { nextChange } from './change-log';
import { isDuplicateKey } from './driver-errors';
import type { MongoCollections } from './mongo-collections';
import { insertRollupDeltas } from './rollup-deltas';
import type { TransitionDocument } from './transition-mapper';
import { upsertById } from './upsert-by-id';

/**
 * Applies the resource's changes to the projections in log order, from `fromPos` until the log
 * ends: each change's transition and run first, then the resource document with the change's
 * position. So a resource document at position p means everything up to p was applied, and every
 * write is a plain write by `_id`, safe to repeat after a crash or next to another writer.
 *
 * Two writers can interleave, and on FerretDB v1 no conditional write would stop a slow one from
 * setting a document back to an older version. Instead every writer keeps going until it finds no
 * next change; the writer whose write lands last therefore wrote the newest state (or it would
 * have found a next change and written again), so once the writers are done the projections match
 * the log. Reads of a single resource or run never depend on this: they walk the log.
 */
export async function advanceProjections(
  collections: MongoCollections,
  resourceId: string,
  fromPos: number,
  known?: ChangeDocument,
): Promise<void> {
  let change = known?.pos === fromPos ? known : await nextChange(collections, resourceId, fromPos - 1);
  const written = new Set<string>();
  let previous: number | null = null;
  while (change) {
    if (previous !== null && change.pos !== previous + 1) await restoreRuns(collections, written, change);
    previous = change.pos;
    if (change.transition) await insertTransition(collections, change.transition);
    if (change.run) {
      await upsertById(collections.runs, change.run);
      written.add(change.run._id);
    }
    await insertRollupDeltas(collections, change);
    const { _id, ...resource } = change.resource;
    try {
      await collections.resources.replaceOne({ _id }, resource);
    } catch (error) {
      // Only a set-back write can collide: an older version still holding a name that was released
      // and taken since. The newer changes this loop goes on to apply are what count.
      if (!isDuplicateKey(error)) throw error;
    }
    // Past a pruned gap too: a writer that set the projections back below it repairs them itself.
    change = await nextChange(collections, resourceId, change.pos);
  }
}

/**
 * This writer went on past a pruned gap, so the run versions it wrote before the gap may be older
 * than the ones the gap held, which it will not see. Each such run is either active at the change
 * after the gap (its snapshot has the run as it was then, and the changes from there on follow) or
 * finished in the gap, and then pruning recorded it in `finishedRuns`.
 */
async function restoreRuns(
  collections: MongoCollections,
  written: Set<string>,
  after: ChangeDocument,
): Promise<void> {
  for (const id of written) {
    const active = after.resource.activeRun;
    const restored = active?._id === id ? active : await collections.finishedRuns.findOne({ _id: id });
    if (restored) await upsertById(collections.runs, restored);
  }
  written.clear();
}

async function insertTransition(
  collections: MongoCollections,
  transition: TransitionDocument,
): Promise<void> {
  try {
    await collections.transitions.insertOne(transition);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // A replay finds its own transition. A different one at the same (resourceId, seq) would mean two
    // commits for one seq, which the change log rules out; say so loudly rather than lose a record.
    const existing = await collections.transitions.findOne(
      { _id: transition._id },
      { projection: { _id: 1 } },
    );
    if (!existing) {
      throw new Error(
        `transitions: seq ${transition.seq} of resource ${transition.resourceId} is already taken by another transition than ${transition._id}`,
      );
    }
  }
}
