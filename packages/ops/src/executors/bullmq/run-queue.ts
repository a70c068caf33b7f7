import { isTerminalRunStatus, type RunStore } from '@slipway/domain';
import type { JobsOptions, Queue } from 'bullmq';

/** The queue both sides use unless told otherwise. */
export const DEFAULT_QUEUE_NAME = 'slipway-runs';

/** A job carries the run id and nothing else: the worker reloads everything from the store. */
export interface RunJobData {
  runId: string;
}

export type RunQueue = Queue<RunJobData, void, typeof RUN_JOB_NAME>;

export const RUN_JOB_NAME = 'run';

/** Where `abort(runId)` is announced to every worker process of a queue. */
export function cancelChannel(queueName: string): string {
  return `slipway:${queueName}:cancel`;
}

// The job id is the run id, so a second add while a job waits or runs is a no-op. Finished jobs
// are kept a while for inspection, then trimmed: the store has the history, not Redis.
function jobOptions(runId: string): JobsOptions {
  return {
    jobId: runId,
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 24 * 3600, count: 1000 },
  };
}

/**
 * Makes sure a run has a job that a worker will pick up. A job that already waits, runs or is
 * delayed is left alone. A finished job of a run the store still holds unfinished (a walk that
 * ended without finishing it, a worker that gave up) is replaced, since BullMQ ignores an add
 * whose id exists in any state.
 */
export async function enqueueRun(queue: RunQueue, store: RunStore, runId: string): Promise<void> {
  const state = await queue.getJobState(runId);
  if (state === 'completed' || state === 'failed') {
    const run = await store.getRun(runId);
    if (!run || isTerminalRunStatus(run.status)) return;
    await queue.remove(runId);
  } else if (state !== 'unknown') {
    return;
  }
  await queue.add(RUN_JOB_NAME, { runId }, jobOptions(runId));
}
