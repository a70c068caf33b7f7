import type { Store, Transition } from '@slipway/domain';
import { aTransition } from '../fixtures';

/** One write of the pruning tests: a step of the resource's active run, or its next transition. */
export type LogOp = 'update' | 'transition';

/** Applies `op` as the engine would; a transition's `to` and a step are named after `label`. */
export async function applyLogOp(
  store: Store,
  resourceId: string,
  runId: string,
  op: LogOp,
  label: string,
): Promise<Transition | null> {
  if (op === 'update') {
    const updated = await store.updateRun(runId, ['running'], { step: label });
    if (!updated) throw new Error(`run ${runId} is not running`);
    return null;
  }
  const resource = (await store.getResource(resourceId))!;
  const run = (await store.getRun(runId))!;
  const transition = aTransition(resource, run, { to: `state-${label}` });
  await store.recordTransition({ transition });
  return transition;
}
