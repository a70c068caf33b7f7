import {
  isTerminalRunStatus,
  type Run,
  type RunError,
  type RunStatus,
  runConflict,
  SlipwayError,
} from '@slipway/domain';
import type { LmdbDatabases } from './lmdb-databases';
import { loadResource } from './resource-operations';

export type RunChanges = Partial<
  Pick<Run, 'status' | 'step' | 'attempt' | 'startedAt' | 'cancelRequestedBy' | 'cancelReason'>
>;

export interface RunEnd {
  status: RunStatus;
  error: RunError | null;
  finishedAt: string;
  durationMs: number;
}

const CHANGEABLE = ['status', 'step', 'attempt', 'startedAt', 'cancelRequestedBy', 'cancelReason'] as const;

/** Runs inside a write transaction; throws before writing anything when it refuses. */
export function startRun(dbs: LmdbDatabases, run: Run): void {
  if (isTerminalRunStatus(run.status)) {
    throw new Error(`startRun: run ${run.id} cannot start in terminal status "${run.status}".`);
  }
  const resource = loadResource(dbs, run.resourceId);
  if (resource.activeRunId !== null) throw runConflict(resource.activeRunId);
  if (resource.state !== run.fromState) {
    throw new SlipwayError(
      'version_conflict',
      `The resource moved to "${resource.state}" since the run was planned from "${run.fromState}"; request it again.`,
      { state: resource.state },
    );
  }
  if (dbs.runs.doesExist(run.id)) {
    throw new SlipwayError('version_conflict', `A run with id "${run.id}" already exists.`, { id: run.id });
  }
  dbs.runs.put(run.id, run);
  dbs.unfinishedRuns.put(run.id, true);
  dbs.resources.put(resource.id, {
    ...resource,
    activeRunId: run.id,
    version: resource.version + 1,
    updatedAt: run.createdAt,
  });
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
  if (changes.status !== undefined && isTerminalRunStatus(changes.status)) {
    throw new Error(`updateRun: cannot move run ${id} to "${changes.status}"; use finishRun to end a run.`);
  }
  const run = dbs.runs.get(id);
  if (!run || isTerminalRunStatus(run.status) || !from.includes(run.status)) return null;
  const next: Run = { ...run };
  for (const field of CHANGEABLE) {
    if (changes[field] !== undefined) Object.assign(next, { [field]: changes[field] });
  }
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
  if (!isTerminalRunStatus(end.status)) {
    throw new Error(`finishRun: "${end.status}" is not a terminal status for run ${id}.`);
  }
  const run = dbs.runs.get(id);
  if (!run || isTerminalRunStatus(run.status) || !from.includes(run.status)) return null;
  const next: Run = {
    ...run,
    status: end.status,
    error: end.error,
    finishedAt: end.finishedAt,
    durationMs: end.durationMs,
  };
  dbs.runs.put(id, next);
  dbs.unfinishedRuns.remove(id);
  const resource = dbs.resources.get(run.resourceId);
  if (resource && resource.activeRunId === id) {
    dbs.resources.put(resource.id, {
      ...resource,
      activeRunId: null,
      version: resource.version + 1,
      updatedAt: end.finishedAt,
    });
  }
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
