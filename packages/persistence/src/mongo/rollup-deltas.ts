import { factOfRun, factOfTransition, hourOf, type RollupFact, recoveryFactOfRun } from '@slipway/domain';
import type { ChangeDocument } from './change-document';
import { isDuplicateKey } from './driver-errors';
import { faultPoint } from './fault-point';
import type { MongoCollections } from './mongo-collections';
import { toRun } from './run-mapper';
import { toTransition } from './transition-mapper';

/**
 * The rollup deltas a change implies: the step its transition answered and the run it finished.
 * Written while projecting the change, before the resource document moves past it, so a crash in
 * between leaves the change unprojected and the replay (the next write, a read, or `reconcile` at
 * open) inserts what is missing; an insert that finds its `_id` taken is that replay.
 */
export async function insertRollupDeltas(
  collections: MongoCollections,
  change: ChangeDocument,
): Promise<void> {
  const deltas: { id: string; fact: RollupFact | null }[] = [];
  if (change.transition) {
    const transition = toTransition(change.transition);
    deltas.push({ id: `step:${transition.id}`, fact: factOfTransition(transition) });
  }
  if (change.op === 'finish-run' && change.run) {
    const run = toRun(change.run);
    deltas.push({ id: `run:${run.id}`, fact: factOfRun(run) });
    deltas.push({ id: `recovery:${run.id}`, fact: recoveryFactOfRun(run) });
  }
  for (const { id, fact } of deltas) {
    if (!fact) continue;
    faultPoint('mongo:before-rollup-delta');
    try {
      await collections.rollupDeltas.insertOne({
        _id: id,
        ...fact,
        hour: hourOf(fact.at),
        change: change._id,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }
  faultPoint('mongo:after-rollup-deltas');
}
