import { isTerminalRunStatus, type Resource, type Run, type RunChanges, type RunEnd } from '@slipway/domain';

/** The run fields `updateRun` may change; everything else is fixed when the run is accepted. */
const CHANGEABLE = ['status', 'step', 'attempt', 'startedAt', 'cancelRequestedBy', 'cancelReason'] as const;

/** A run is accepted in a live status; a terminal one is a caller's bug, not a conflict. */
export function checkStartable(run: Run): void {
  if (isTerminalRunStatus(run.status)) {
    throw new Error(`startRun: run ${run.id} cannot start in terminal status "${run.status}".`);
  }
}

/** Ending a run is `finishRun`'s job, because it must free the resource too. */
export function checkRunChanges(id: string, changes: RunChanges): void {
  if (changes.status !== undefined && isTerminalRunStatus(changes.status)) {
    throw new Error(`updateRun: cannot move run ${id} to "${changes.status}"; use finishRun to end a run.`);
  }
}

export function checkRunEnd(id: string, end: RunEnd): void {
  if (!isTerminalRunStatus(end.status)) {
    throw new Error(`finishRun: "${end.status}" is not a terminal status for run ${id}.`);
  }
}

/** The run with `changes` applied: fields left undefined keep their value. */
export function changedRun(run: Run, changes: RunChanges): Run {
  const next: Run = { ...run };
  for (const field of CHANGEABLE) {
    if (changes[field] !== undefined) Object.assign(next, { [field]: changes[field] });
  }
  return next;
}

export function endedRun(run: Run, end: RunEnd): Run {
  return {
    ...run,
    status: end.status,
    error: end.error,
    finishedAt: end.finishedAt,
    durationMs: end.durationMs,
  };
}

/** The resource freed by its ending run, or null when the run did not hold it. */
export function resourceFreedBy(resource: Resource, runId: string, at: string): Resource | null {
  if (resource.activeRunId !== runId) return null;
  return { ...resource, activeRunId: null, version: resource.version + 1, updatedAt: at };
}
