import { type Executor, isTerminalRunStatus, type RunStore, SlipwayError } from '@slipway/domain';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { describeRedisTarget, openRedis, type RedisTarget } from './redis-target';
import { cancelChannel, DEFAULT_QUEUE_NAME, enqueueRun, type RunJobData, type RunQueue } from './run-queue';

export interface BullmqExecutorOptions {
  /** REDIS_URL, or ioredis options. */
  connection: RedisTarget;
  /** @defaultValue 'slipway-runs' */
  queueName?: string;
  /** The source of truth: every run it holds unfinished gets a job again. */
  store: RunStore;
  /**
   * How often the sweeper re-queues every run the store holds unfinished, so runs that Redis lost
   * (restarted without its data, flushed) or that no worker finished come back. 0 turns it off.
   * @defaultValue 5000
   */
  sweepIntervalMs?: number;
  /**
   * How long `idle()` waits before it rejects, naming what is still pending (no worker running,
   * say), rather than hanging.
   * @defaultValue 120000
   */
  idleTimeoutMs?: number;
  /**
   * How long the first connection may take before `connect` fails.
   * @defaultValue 5000
   */
  connectTimeoutMs?: number;
  /**
   * How long `ensureAccepting` waits for Redis to answer before the run request is refused.
   * @defaultValue 1000
   */
  acceptTimeoutMs?: number;
  /** Where failures that no caller waits for are reported: a submit Redis refused, a failed sweep. */
  onError?: (runId: string | null, error: unknown) => void;
}

const IDLE_POLL_MS = 50;

/**
 * The API side of the BullMQ executor: queues runs for worker processes (`BullmqWorker`), announces
 * cancellations to them, and sweeps the store for runs that need a job again. Redis is a delivery
 * mechanism, not the source of truth: the store is.
 */
export class BullmqExecutor implements Executor {
  /** Runs submitted here and not yet seen finished: what `idle()` waits for. */
  private readonly submitted = new Set<string>();
  private readonly sweepTimer: NodeJS.Timeout | null;
  private sweeping: Promise<number> | null = null;
  private closed = false;

  private constructor(
    private readonly options: BullmqExecutorOptions,
    private readonly client: Redis,
    private readonly queue: RunQueue,
    private readonly queueName: string,
  ) {
    const interval = options.sweepIntervalMs ?? 5000;
    this.sweepTimer =
      interval > 0
        ? setInterval(() => {
            this.recover().catch((error: unknown) => this.report(null, error));
          }, interval)
        : null;
    this.sweepTimer?.unref();
  }

  /** Connects and pings Redis; fails fast, naming REDIS_URL, when Redis does not answer. */
  static async connect(options: BullmqExecutorOptions): Promise<BullmqExecutor> {
    const client = await openRedis(options.connection, {
      role: 'commands',
      timeoutMs: options.connectTimeoutMs,
    });
    const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
    const queue: RunQueue = new Queue<RunJobData, void, 'run'>(queueName, { connection: client });
    // BullMQ passes the client's errors on to the queue: one report per failed reconnect is enough.
    client.on('error', () => {});
    queue.on('error', (error) => options.onError?.(null, error));
    try {
      await queue.waitUntilReady();
    } catch (error) {
      client.disconnect();
      throw error;
    }
    return new BullmqExecutor(options, client, queue, queueName);
  }

  /**
   * One PING before a run is stored: with Redis away, the request is refused (503
   * `queue_unavailable`, Retry-After) and nothing is written, rather than storing a run that
   * would sit unqueued until Redis returns.
   */
  async ensureAccepting(): Promise<void> {
    const timeoutMs = this.options.acceptTimeoutMs ?? 1000;
    let timer: NodeJS.Timeout | undefined;
    try {
      if (this.closed) throw new Error('the executor is closed');
      await Promise.race([
        this.client.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new SlipwayError(
        'queue_unavailable',
        `The run queue (${describeRedisTarget(this.options.connection)}) does not answer (${detail}); nothing was stored. Retry the request once Redis is back.`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Queues the run. A Redis failure is reported, not thrown: `ensureAccepting` found Redis up a
   * moment ago, the run is now in the store (the commit point), and the sweeper queues it once
   * Redis answers again. Refusing now would make the caller retry into a 409 for its own run.
   */
  async submit(runId: string): Promise<void> {
    if (this.closed) return;
    this.submitted.add(runId);
    try {
      await enqueueRun(this.queue, this.options.store, runId);
    } catch (error) {
      this.report(runId, error);
    }
  }

  /** Announces the cancel to every worker process; the one walking the run aborts it. */
  abort(runId: string): void {
    if (this.closed) return;
    this.client.publish(cancelChannel(this.queueName), runId).catch((error: unknown) => {
      // Workers also find cancelling runs in the store on their own, so this is late, not lost.
      this.report(runId, error);
    });
  }

  /** The sweep: every run the store holds unfinished gets a job unless one waits or runs. */
  async recover(): Promise<number> {
    this.sweeping ??= this.sweep().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  private async sweep(): Promise<number> {
    const runs = await this.options.store.listUnfinishedRuns();
    const unfinished = new Set(runs.map((run) => run.id));
    for (const runId of this.submitted) if (!unfinished.has(runId)) this.submitted.delete(runId);
    for (const run of runs) {
      if (this.closed) break;
      this.submitted.add(run.id);
      // A Redis failure ends this sweep with one error rather than one per run; the next retries.
      await enqueueRun(this.queue, this.options.store, run.id);
    }
    return runs.length;
  }

  /**
   * Resolves once the queue has nothing waiting, delayed or active and every run submitted here is
   * finished in the store. A submitted run that is unfinished while the queue is empty has lost
   * its job, so it is queued again rather than waited for. Redis or the store being away for a
   * while (a restart) only delays it; after `idleTimeoutMs` it rejects, saying what is pending.
   */
  async idle(): Promise<void> {
    const timeoutMs = this.options.idleTimeoutMs ?? 120_000;
    const deadline = Date.now() + timeoutMs;
    let pending = 'nothing checked yet';
    while (!this.closed) {
      try {
        const jobs = await this.queuedJobs();
        const unfinished = jobs === 0 ? await this.unfinishedSubmitted() : [...this.submitted];
        if (jobs === 0 && unfinished.length === 0) return;
        if (jobs === 0) for (const runId of unfinished) await this.submit(runId);
        pending = `${jobs} jobs queued or active, unfinished runs: ${unfinished.slice(0, 5).join(', ') || 'none'}`;
      } catch (error) {
        pending = `last check failed: ${error instanceof Error ? error.message : String(error)}`;
      }
      if (Date.now() > deadline) {
        throw new Error(`BullMQ executor not idle after ${timeoutMs}ms (${pending}); is a worker running?`);
      }
      await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
    }
  }

  private async queuedJobs(): Promise<number> {
    const counts = await this.queue.getJobCounts(
      'active',
      'waiting',
      'delayed',
      'prioritized',
      'waiting-children',
    );
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  private async unfinishedSubmitted(): Promise<string[]> {
    for (const runId of this.submitted) {
      const run = await this.options.store.getRun(runId);
      if (!run || isTerminalRunStatus(run.status)) this.submitted.delete(runId);
    }
    return [...this.submitted];
  }

  /** Jobs by BullMQ state (waiting, active, delayed…), for the API's queue-depth metric. */
  async jobCounts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
  }

  /**
   * How many worker processes are connected to this queue and taking jobs (BullMQ names their
   * Redis connections after the queue; `CLIENT LIST` finds them).
   */
  async consumers(): Promise<number> {
    return this.queue.getWorkersCount();
  }

  /** One round trip to Redis, for `/health/ready`. */
  async ping(): Promise<void> {
    await this.client.ping();
  }

  /** Stops the sweeper and closes the connection; queued jobs stay in Redis for the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.sweeping?.catch(() => undefined);
    await this.queue.close();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private report(runId: string | null, error: unknown): void {
    this.options.onError?.(runId, error);
  }
}
