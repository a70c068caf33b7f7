import { isTerminalRunStatus, type RunStore, type RunWalker, SHUTDOWN, SlipwayError } from '@slipway/domain';
import { DelayedError, type Job, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { failRun, isUnavailable } from '../fail-run';
import { openRedis, type RedisTarget } from './redis-target';
import { cancelChannel, DEFAULT_QUEUE_NAME, type RUN_JOB_NAME, type RunJobData } from './run-queue';

export interface BullmqWorkerOptions {
  /** REDIS_URL, or ioredis options. */
  connection: RedisTarget;
  /** @defaultValue 'slipway-runs' */
  queueName?: string;
  /** Where a run whose walk blew up is finished as failed. */
  store: RunStore;
  walker: Pick<RunWalker, 'walk'>;
  /**
   * Runs walked at once by this process.
   * @defaultValue 4
   */
  concurrency?: number;
  /**
   * How long a worker's hold on a job lasts without renewal (it renews at half of it). A worker
   * that dies (kill -9, lost machine) gives its runs up this long after its last renewal; one
   * whose event loop stalls this long loses them to another worker.
   * @defaultValue 30000
   */
  lockDurationMs?: number;
  /**
   * How often this worker looks for jobs whose holder's lock expired and puts them back to wait.
   * A dead worker's runs resume within about lockDuration + 2 × stalledInterval.
   * @defaultValue 15000
   */
  stalledIntervalMs?: number;
  /**
   * How often a job may stall before BullMQ fails it. Not the end of the run: the executor's
   * sweeper queues any run the store holds unfinished again.
   * @defaultValue 3
   */
  maxStalledCount?: number;
  /**
   * How often the runs walked here are checked in the store for a cancel, for cancels whose
   * Redis announcement this process missed (it was reconnecting). 0 turns it off.
   * @defaultValue 2000
   */
  cancelCheckIntervalMs?: number;
  /**
   * How long the first connection may take before `start` fails.
   * @defaultValue 5000
   */
  connectTimeoutMs?: number;
  /** Shown in BullMQ's job records as the worker that processed a job. */
  name?: string;
  /** Failures no caller waits for: a walk that threw, Redis errors, a missed cancel check. */
  onError?: (runId: string | null, error: unknown) => void;
}

/** One run being walked in this process. */
interface Walk {
  runId: string;
  controller: AbortController;
  /** Redis refused to renew our lock: the job may be another worker's now. */
  lost: boolean;
}

/** A walk lost its resource to a concurrent writer: likely a second delivery of the same run. */
const CONFLICT_RETRIES = 5;
const CONFLICT_DELAY_MS = 1000;
const UNAVAILABLE_RETRY_MS = 2000;

/**
 * The worker side of the BullMQ executor; any number of processes, on any machines, share a queue.
 * Each job carries only a run id: the walker reloads the run and resource from the store and goes
 * on from the stored state, so a job delivered twice or after a crash does no harm.
 *
 * - Cancel: the API publishes the run id on the queue's cancel channel; the process walking the run
 *   aborts its signal. The store is also checked now and then, for announcements missed while
 *   Redis was away.
 * - Crash: a dead worker's lock lapses; BullMQ's stalled check in any live worker puts the job back
 *   to wait, and the walk resumes from the stored state (same idempotency token, next attempt).
 * - Shutdown (`close`, on SIGTERM): walks in progress are aborted with SHUTDOWN, which leaves their
 *   runs unfinished, and their jobs are moved straight back to wait for another worker.
 */
export class BullmqWorker {
  private readonly walks = new Set<Walk>();
  private readonly cancelTimer: NodeJS.Timeout | null;
  private checkingCancels = false;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly options: BullmqWorkerOptions,
    private readonly worker: Worker<RunJobData, void, typeof RUN_JOB_NAME>,
    private readonly subscriber: Redis,
  ) {
    const interval = options.cancelCheckIntervalMs ?? 2000;
    this.cancelTimer = interval > 0 ? setInterval(() => void this.checkCancels(), interval) : null;
    this.cancelTimer?.unref();
  }

  /** Connects (failing fast, naming REDIS_URL), subscribes to cancels, and starts taking jobs. */
  static async start(options: BullmqWorkerOptions): Promise<BullmqWorker> {
    const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
    // BullMQ duplicates this client for its own connections; it then serves as the subscriber.
    const subscriber = await openRedis(options.connection, {
      role: 'worker',
      timeoutMs: options.connectTimeoutMs,
    });
    let self: BullmqWorker | null = null;
    const worker = new Worker<RunJobData, void, typeof RUN_JOB_NAME>(
      queueName,
      (job, token) => self!.process(job, token),
      {
        connection: subscriber,
        concurrency: options.concurrency ?? 4,
        lockDuration: options.lockDurationMs ?? 30_000,
        stalledInterval: options.stalledIntervalMs ?? 15_000,
        maxStalledCount: options.maxStalledCount ?? 3,
        autorun: false,
        ...(options.name ? { name: options.name } : {}),
      },
    );
    self = new BullmqWorker(options, worker, subscriber);
    const started = self;
    worker.on('error', (error) => started.report(null, error));
    worker.on('lockRenewalFailed', (jobIds) => started.loseLocks(jobIds));
    subscriber.on('error', (error) => started.report(null, error));
    subscriber.on('message', (_channel: string, runId: string) => started.cancel(runId));
    try {
      await subscriber.subscribe(cancelChannel(queueName));
      await worker.waitUntilReady();
    } catch (error) {
      await started.close().catch(() => undefined);
      throw error;
    }
    // run() resolves only when the worker closes; its failures arrive as 'error' events.
    worker.run().catch((error: unknown) => started.report(null, error));
    return started;
  }

  /**
   * One round trip to Redis, for a health check; rejects after `timeoutMs` rather than waiting for
   * a reconnect as the worker's own commands do.
   */
  async ping(timeoutMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.subscriber.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`Redis did not answer a ping within ${timeoutMs}ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Run ids walked in this process right now. */
  activeRuns(): string[] {
    return [...this.walks].map((walk) => walk.runId);
  }

  /**
   * Graceful stop (SIGTERM): takes no more jobs, aborts walks in progress with SHUTDOWN so their
   * runs stay unfinished, waits for their provider calls to return, and hands their jobs back to
   * wait so another worker resumes them at once. The hand-back needs Redis: while Redis is away
   * this waits for it, and a process manager's kill after its grace period is then like a crash
   * (the lock lapses and the job comes back through the stalled check).
   */
  async close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    if (this.cancelTimer) clearInterval(this.cancelTimer);
    const closed = this.worker.close();
    for (const walk of this.walks) walk.controller.abort(SHUTDOWN);
    try {
      await closed;
    } finally {
      // Not QUIT: that would wait for a Redis that may be the reason we are stopping.
      this.subscriber.disconnect();
    }
  }

  private async process(job: Job<RunJobData, void, typeof RUN_JOB_NAME>, token?: string): Promise<void> {
    const { runId } = job.data;
    const walk: Walk = { runId, controller: new AbortController(), lost: false };
    this.walks.add(walk);
    if (this.closing) walk.controller.abort(SHUTDOWN);
    const { signal } = walk.controller;
    try {
      if (!signal.aborted) await this.options.walker.walk(runId, signal);
    } catch (error) {
      if (signal.reason !== SHUTDOWN) return await this.walkFailed(job, token, error);
    } finally {
      this.walks.delete(walk);
    }
    if (signal.reason === SHUTDOWN && !walk.lost) await this.handBack(job, token);
  }

  /**
   * A version conflict means another walk of the same run moved first (BullMQ delivers at least
   * once): try again shortly from the stored state rather than fail a run that is progressing.
   * A store outage is waited out. Anything else would leave the run dangling with its resource
   * locked: finish it failed.
   */
  private async walkFailed(
    job: Job<RunJobData, void, typeof RUN_JOB_NAME>,
    token: string | undefined,
    error: unknown,
  ): Promise<void> {
    const { runId } = job.data;
    if (
      error instanceof SlipwayError &&
      error.code === 'version_conflict' &&
      job.attemptsStarted <= CONFLICT_RETRIES
    ) {
      await job.moveToDelayed(Date.now() + CONFLICT_DELAY_MS, token);
      throw new DelayedError();
    }
    this.report(runId, error);
    // The store is down: the run is intact, only unreachable. Try again later rather than fail it
    // for an outage; the sweeper re-queues it too if this job is lost meanwhile.
    if (isUnavailable(error)) {
      await job.moveToDelayed(Date.now() + UNAVAILABLE_RETRY_MS, token);
      throw new DelayedError();
    }
    await failRun(this.options.store, runId, error, (finishError) => this.report(runId, finishError));
  }

  /** Back to wait, now, unless the run finished anyway; if Redis refuses, the lock lapses instead. */
  private async handBack(job: Job<RunJobData, void, typeof RUN_JOB_NAME>, token: string | undefined) {
    const run = await this.options.store.getRun(job.data.runId).catch(() => null);
    if (run && isTerminalRunStatus(run.status)) return;
    await job.moveToWait(token);
    throw new WaitingError();
  }

  private cancel(runId: string): void {
    for (const walk of this.walks) if (walk.runId === runId) walk.controller.abort('cancel');
  }

  /** Our lock on these jobs is gone, so another worker may be walking them: stop ours. */
  private loseLocks(jobIds: string[]): void {
    for (const walk of this.walks) {
      if (!jobIds.includes(walk.runId)) continue;
      walk.lost = true;
      walk.controller.abort(SHUTDOWN);
    }
  }

  private async checkCancels(): Promise<void> {
    if (this.checkingCancels) return;
    this.checkingCancels = true;
    try {
      for (const walk of [...this.walks]) {
        if (walk.controller.signal.aborted) continue;
        try {
          const run = await this.options.store.getRun(walk.runId);
          if (run?.status === 'cancelling') walk.controller.abort('cancel');
        } catch (error) {
          this.report(walk.runId, error);
        }
      }
    } finally {
      this.checkingCancels = false;
    }
  }

  private report(runId: string | null, error: unknown): void {
    this.options.onError?.(runId, error);
  }
}
