import type { EffectLedgerOptions } from '@slipway/ops/testing';

/** Handed to a worker process as JSON in this environment variable. */
export const WORKER_CONFIG_ENV = 'SLIPWAY_TEST_WORKER_CONFIG';

export interface WorkerProcessConfig {
  mongoUrl: string;
  dbName: string;
  redisUrl: string;
  queueName: string;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  cancelCheckIntervalMs: number;
  ledger: EffectLedgerOptions;
  /** SLIPWAY_FAULT for this worker: e.g. `step:image.build` makes it SIGKILL itself at each build. */
  fault?: string;
  /** The walker's attempt limit. @defaultValue the walker's default */
  maxAttempts?: number;
}
