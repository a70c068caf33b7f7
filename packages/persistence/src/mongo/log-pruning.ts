import { changeId } from './change-document';
import { prunedBelow } from './change-log';
import { isDuplicateKey } from './driver-errors';
import { faultPoint } from './fault-point';
import type { MongoCollections } from './mongo-collections';
import { upsertById } from './upsert-by-id';

/** A writer whose change lands on a multiple of this prunes its resource's log. */
export const PRUNE_EVERY = 32;
/** Changes kept below the position the pruner has applied, so a slightly set-back projection needs no repair walk. */
export const KEEP_APPLIED = 8;

/**
 * Deletes the changes of `resourceId` below `appliedPos - KEEP_APPLIED`, where `appliedPos` is a
 * position the caller has just projected everything up to itself (its own commit, after its
 * projection pass) and that the resource document also shows. What a change holds outlives it:
 *
 * - the resource: every later change carries the whole resource, and the newest is never pruned;
 * - its transition: the projection inserted it before writing the resource document at or past
 *   this position, and an insert is never undone;
 * - its run: a run that is still active is in every later snapshot; a run this change finished is
 *   first copied, insert-only, to `finishedRuns`, since a slow writer may yet set its projection
 *   back and the log would no longer tell its end.
 *
 * Deletion goes in ascending order, one change at a time: `nextChange` relies on it to tell a log
 * that ends at p from a pruned gap (see there). The hint in `prunedLogs` is written last, so a
 * crash anywhere here leaves it lower than the gap, which only means a longer walk and a repeat of
 * some deletes the next time.
 */
export async function pruneLog(
  collections: MongoCollections,
  resourceId: string,
  appliedPos: number,
): Promise<void> {
  const projected = await collections.resources.findOne({ _id: resourceId }, { projection: { pos: 1 } });
  if (!projected) return;
  const below = Math.min(appliedPos, projected.pos) - KEEP_APPLIED;
  const from = Math.max(1, (await prunedBelow(collections, resourceId)) ?? 1);
  if (below <= from) return;
  const ids = Array.from({ length: below - from }, (_, i) => changeId(resourceId, from + i));
  const doomed = await collections.changes.find({ _id: { $in: ids } }).toArray();
  for (const change of doomed) {
    if (change.op !== 'finish-run' || !change.run) continue;
    try {
      await collections.finishedRuns.insertOne(change.run);
    } catch (error) {
      // A finished run never changes again: whoever recorded it first recorded the same.
      if (!isDuplicateKey(error)) throw error;
    }
  }
  for (const [i, id] of ids.entries()) {
    if (i === Math.floor(ids.length / 2)) faultPoint('mongo:prune-mid-delete');
    await collections.changes.deleteOne({ _id: id });
  }
  faultPoint('mongo:prune-before-hint');
  await upsertById(collections.prunedLogs, { _id: resourceId, below });
}
