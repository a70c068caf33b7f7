import { isTerminalRunStatus, type Run, type RunChanges, type RunEnd, type RunStatus } from '@slipway/domain';
import { duplicateId, resourceTakingRun } from '../rules/resource-rules';
import {
  changedRun,
  checkRunChanges,
  checkRunEnd,
  checkStartable,
  endedRun,
  resourceFreedBy,
} from '../rules/run-rules';
import type { LmdbDatabases } from './lmdb-databases';
import { loadResource } from './resource-operations';

/** Runs inside a write transaction; throws before writing anything when it refuses. */
export function startRun(dbs: LmdbDatabases, run: Run): void {
  checkStartable(run);
  const taken = resourceTakingRun(loadResource(dbs, run.resourceId), run);
  if (dbs.runs.doesExist(run.id)) throw duplicateId('run', run.id);
  dbs.runs.put(run.id, run);
  dbs.unfinishedRuns.put(run.id, true);
  dbs.resources.put(taken.id, taken);
}

/**
 * Runs inside a write transaction. A finished run is an audit record and never changes again, so
 * it is refused whatever `from` says; ending a run is `finishRun`'s job because it must also free
 * the resource.
 */
export function updateRun(
  dbs: LmdbDatabases,
  id: string,
  from: readonly RunStatus[],
  changes: RunChanges,
): Run | null {
  checkRunChanges(id, changes);
  const run = dbs.runs.get(id);
  if (!run || isTerminalRunStatus(run.status) || !from.includes(run.status)) return null;
  const next = changedRun(run, changes);
  dbs.runs.put(id, next);
  return next;
}

/** Runs inside a write transaction: the run ends and its resource is freed together. */
export function finishRun(
  dbs: LmdbDatabases,
  id: string,
  from: readonly RunStatus[],
  end: RunEnd,
): Run | null {
  checkRunEnd(id, end);
  const run = dbs.runs.get(id);
  if (!run || isTerminalRunStatus(run.status) || !from.includes(run.status)) return null;
  const next = endedRun(run, end);
  dbs.runs.put(id, next);
  dbs.unfinishedRuns.remove(id);
  const resource = dbs.resources.get(run.resourceId);
  const freed = resource ? resourceFreedBy(resource, id, end.finishedAt) : null;
  if (freed) dbs.resources.put(freed.id, freed);
  return next;
}

/** Oldest first, so a restart resumes runs in the order they were accepted. */
export function listUnfinishedRuns(dbs: LmdbDatabases): Run[] {
  const runs: Run[] = [];
  for (const id of dbs.unfinishedRuns.getKeys()) {
    const run = dbs.runs.get(id);
    if (run && !isTerminalRunStatus(run.status)) runs.push(run);
  }
  return runs;
}
