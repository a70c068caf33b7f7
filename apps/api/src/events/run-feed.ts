import { setTimeout as delay } from 'node:timers/promises';
import {
  isTerminalRunStatus,
  type ResourceStore,
  type Run,
  type RunStore,
  type Transition,
} from '@slipway/domain';
import { runSequence } from './run-sequence';

/** What a feed knows of its run: the run as last read and its transitions in recording order. */
export interface RunSnapshot {
  run: Run;
  transitions: readonly Transition[];
}

export type FeedStore = Pick<RunStore, 'getRun' | 'listTransitions'> & Pick<ResourceStore, 'getResource'>;

/**
 * One poller per followed run, shared by all its followers, so N followers cost what one does.
 * A tick is two reads by id (the run, and its resource, whose `seq` moves with every transition the
 * run records on it); the transitions are listed only when one of those moved. The listing is the
 * whole run (a page or two) rather than "after the last one seen": that cursor is (endedAt, id),
 * which a host with a slow clock writes below, so reading after it could miss a record for good.
 */
class RunFeed {
  private snapshot: RunSnapshot | null = null;
  private failure: unknown = null;
  private version = 0;
  private waiters = new Set<() => void>();
  private followers = 0;
  private readonly stop = new AbortController();
  private fingerprint = '';

  constructor(
    private readonly store: FeedStore,
    private readonly runId: string,
    private readonly pollMs: number,
    private readonly onIdle: () => void,
  ) {
    void this.poll();
  }

  attach(): () => void {
    this.followers += 1;
    let detached = false;
    return () => {
      if (detached) return;
      detached = true;
      this.followers -= 1;
      if (this.followers === 0) this.close();
    };
  }

  /** The newest snapshot once it is newer than `seen` (a version), or the poller's failure. */
  async next(seen: number, signal: AbortSignal): Promise<{ snapshot: RunSnapshot; version: number } | null> {
    while (!signal.aborted) {
      if (this.failure !== null) throw this.failure;
      if (this.snapshot && this.version > seen) return { snapshot: this.snapshot, version: this.version };
      await new Promise<void>((wake) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          this.waiters.delete(done);
          wake();
        };
        this.waiters.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
    return null;
  }

  private close(): void {
    this.stop.abort();
    this.onIdle();
  }

  private publish(): void {
    this.version += 1;
    for (const wake of [...this.waiters]) wake();
  }

  private async poll(): Promise<void> {
    try {
      while (!this.stop.signal.aborted) {
        const run = await this.store.getRun(this.runId);
        if (!run) throw new Error(`run ${this.runId} is gone from the store`);
        const resource = await this.store.getResource(run.resourceId);
        const over = isTerminalRunStatus(run.status);
        const fingerprint = JSON.stringify([run.status, run.step, run.attempt, resource?.seq ?? null]);
        if (fingerprint !== this.fingerprint) {
          this.fingerprint = fingerprint;
          // Transitions are recorded before the run is finished, so after a terminal read this listing is complete.
          this.snapshot = { run, transitions: runSequence(run, await allTransitions(this.store, run)) };
          this.publish();
        }
        if (over) break;
        await delay(this.pollMs, undefined, { signal: this.stop.signal }).catch(() => undefined);
      }
    } catch (error) {
      this.failure = error;
      this.publish();
    }
    // Over or broken: the next follower starts afresh (a finished run's feed answers from one read).
    this.onIdle();
  }
}

async function allTransitions(store: FeedStore, run: Run): Promise<Transition[]> {
  const found: Transition[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listTransitions({ runId: run.id, limit: 200, ...(cursor ? { cursor } : {}) });
    found.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found;
}

/** The feeds of the runs being followed in this process, one per run. */
export class RunFeeds {
  private readonly feeds = new Map<string, RunFeed>();

  constructor(
    private readonly store: FeedStore,
    private readonly pollMs: number,
  ) {}

  /** Joins (or starts) the run's feed; call the returned function when done with it. */
  join(runId: string): { feed: Pick<RunFeed, 'next'>; leave: () => void } {
    let feed = this.feeds.get(runId);
    if (!feed) {
      const created: RunFeed = new RunFeed(this.store, runId, this.pollMs, () => {
        if (this.feeds.get(runId) === created) this.feeds.delete(runId);
      });
      feed = created;
      this.feeds.set(runId, feed);
    }
    return { feed, leave: feed.attach() };
  }

  /** How many runs are being polled (for tests of the sharing). */
  get size(): number {
    return this.feeds.size;
  }
}
