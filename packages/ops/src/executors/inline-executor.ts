import { type Executor, type RunStore, type RunWalker, SHUTDOWN } from '@slipway/domain';
import PQueue from 'p-queue';
import { failRun, isUnavailable } from './fail-run';

export interface InlineExecutorOptions {
  walker: RunWalker;
  store: RunStore;
  /**
   * How many runs walk at once in this process.
   * @defaultValue 4
   */
  concurrency?: number;
  /** Where walk failures that are not run outcomes (store errors, bugs) are reported. */
  onError?: (runId: string, error: unknown) => void;
}

/**
 * Walks runs in this process, in the background, with bounded concurrency. Durable because the
 * queue is only a cache of the store: `recover()` at start picks up every unfinished run.
 */
export class InlineExecutor implements Executor {
  private readonly queue: PQueue;
  private readonly controllers = new Map<string, AbortController>();
  private readonly pending = new Set<string>();
  private readonly retryDelays = new Map<string, number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closing = false;

  constructor(private readonly options: InlineExecutorOptions) {
    this.queue = new PQueue({ concurrency: options.concurrency ?? 4 });
  }

  /** Its queue is in this process: it takes runs exactly while this process answers. */
  async ensureAccepting(): Promise<void> {}

  async submit(runId: string): Promise<void> {
    if (this.closing || this.pending.has(runId)) return;
    this.pending.add(runId);
    void this.queue.add(() => this.execute(runId));
  }

  abort(runId: string): void {
    this.controllers.get(runId)?.abort('cancel');
  }

  async recover(): Promise<number> {
    const runs = await this.options.store.listUnfinishedRuns();
    for (const run of runs) await this.submit(run.id);
    return runs.length;
  }

  async idle(): Promise<void> {
    await this.queue.onIdle();
  }

  /** Aborts walks in progress with SHUTDOWN: their runs stay unfinished for the next start to resume. */
  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.queue.clear();
    for (const controller of this.controllers.values()) controller.abort(SHUTDOWN);
    await this.queue.onIdle();
  }

  private async execute(runId: string): Promise<void> {
    const controller = new AbortController();
    this.controllers.set(runId, controller);
    let retry = false;
    try {
      await this.options.walker.walk(runId, controller.signal);
      this.retryDelays.delete(runId);
    } catch (error) {
      this.options.onError?.(runId, error);
      if (isUnavailable(error)) retry = true;
      else await this.failRun(runId, error);
    } finally {
      this.controllers.delete(runId);
      this.pending.delete(runId);
    }
    if (retry) this.retryLater(runId);
  }

  /**
   * The store is down: the run is intact, only unreachable, so it is walked again later (backing
   * off to 15 s) instead of being failed for an outage.
   */
  private retryLater(runId: string): void {
    if (this.closing) return;
    const delay = Math.min((this.retryDelays.get(runId) ?? 500) * 2, 15_000);
    this.retryDelays.set(runId, delay);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.submit(runId);
    }, delay);
    timer.unref();
    this.retryTimers.add(timer);
  }

  /** A walk that blew up must not leave its run dangling with the resource locked. */
  private async failRun(runId: string, error: unknown): Promise<void> {
    if (this.closing) return;
    await failRun(this.options.store, runId, error, (finishError) =>
      this.options.onError?.(runId, finishError),
    );
  }
}
