/**
 * Runs walks in the background so the API can answer 202 at once. Jobs carry only the run id;
 * the walker reloads everything from the store.
 */
export interface Executor {
  /**
   * Resolves when a run submitted now would reach the queue; rejects with `queue_unavailable`
   * when it would not (Redis down). Asked before a run is stored, so a refused request leaves
   * nothing behind.
   */
  ensureAccepting(): Promise<void>;
  /** Queue a run that the store already holds as `queued`. */
  submit(runId: string): Promise<void>;
  /** Abort the provider call of a run this executor is walking, if any. */
  abort(runId: string): void;
  /** Pick up every run the store holds as unfinished (after a restart). */
  recover(): Promise<number>;
  /** Resolves when nothing is queued or running (tests and graceful shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}
