import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { sharedReading } from './scrape-cache';

/** How stale the gauges read at scrape time (active runs, queue jobs) may be. */
export const SCRAPE_READ_MAX_AGE_MS = 5_000;

/** Seconds; a run is a build or a deploy, so the buckets reach ten minutes. */
const RUN_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/**
 * One process's metrics, on a registry of its own (not prom-client's global one), so that several
 * Slipways in one test process do not share counters. Labels are route patterns, kinds, targets,
 * outcomes and store operations: nothing that names a resource, a user or a secret.
 */
export class SlipwayMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'slipway_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'slipway_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    registers: [this.registry],
  });
  readonly runsStarted = new Counter({
    name: 'slipway_runs_started_total',
    help: 'Runs requested (stored) by this process, by kind and target (or action).',
    labelNames: ['kind', 'target'] as const,
    registers: [this.registry],
  });
  readonly runsFinished = new Counter({
    name: 'slipway_runs_finished_total',
    help: 'Runs ended by this process, by kind, target (or action) and outcome.',
    labelNames: ['kind', 'target', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly runDuration = new Histogram({
    name: 'slipway_run_duration_seconds',
    help: 'Duration of the runs ended by this process, by kind, target (or action) and outcome.',
    labelNames: ['kind', 'target', 'outcome'] as const,
    buckets: RUN_BUCKETS,
    registers: [this.registry],
  });
  readonly storeLatency = new Histogram({
    name: 'slipway_store_operation_duration_seconds',
    help: 'Latency of store operations, by operation and result (ok or error).',
    labelNames: ['operation', 'result'] as const,
    buckets: STORE_BUCKETS,
    registers: [this.registry],
  });

  private activeRuns: (() => Promise<Record<string, number>>) | null = null;
  private queueDepth: (() => Promise<Record<string, number>>) | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'slipway_process_' });
    const metrics = this;
    new Gauge({
      name: 'slipway_active_runs',
      help: 'Runs not yet ended (queued, running, cancelling), by status, as the store holds them.',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const counts = (await metrics.activeRuns?.()) ?? {};
        for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'slipway_queue_jobs',
      help: 'Jobs on the BullMQ run queue, by BullMQ state (waiting, active, delayed, prioritized, failed); absent on the inline executor.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const counts = (await metrics.queueDepth?.()) ?? {};
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      },
    });
  }

  /**
   * Where the active-runs gauge reads from (the API's store), at most once per
   * `SCRAPE_READ_MAX_AGE_MS` however many scrapes come: `/metrics` needs no token, so its scrapes
   * must not be able to load the store.
   */
  countActiveRuns(source: () => Promise<Record<string, number>>): void {
    this.activeRuns = sharedReading(source, SCRAPE_READ_MAX_AGE_MS);
  }

  /** Where the queue-depth gauge reads from (the BullMQ executor), shared by scrapes like the above. */
  countQueuedJobs(source: () => Promise<Record<string, number>>): void {
    this.queueDepth = sharedReading(source, SCRAPE_READ_MAX_AGE_MS);
  }
}
