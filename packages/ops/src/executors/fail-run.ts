import { type RunStore, SlipwayError } from '@slipway/domain';

/**
 * Ends a run whose walk blew up (a store error, a bug) as failed, so it does not dangle with its
 * resource locked. Not a run outcome of the provider: the error code says the executor gave up.
 * Reports, never throws: if the store cannot take even this, the run stays unfinished and the next
 * recovery picks it up again.
 */
export async function failRun(
  store: RunStore,
  runId: string,
  error: unknown,
  onError?: (error: unknown) => void,
): Promise<void> {
  try {
    const run = await store.getRun(runId);
    if (!run) return;
    const finishedAt = new Date().toISOString();
    await store.finishRun(runId, ['queued', 'running', 'cancelling'], {
      status: 'failed',
      error: { code: 'executor_error', message: error instanceof Error ? error.message : String(error) },
      finishedAt,
      durationMs: Date.parse(finishedAt) - Date.parse(run.startedAt ?? run.createdAt),
    });
  } catch (finishError) {
    onError?.(finishError);
  }
}

/** The store could not be reached: nothing about the run is wrong, so it must not be failed for it. */
export function isUnavailable(error: unknown): boolean {
  return error instanceof SlipwayError && error.code === 'service_unavailable';
}
