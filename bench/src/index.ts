import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@slipway/acceptance/support/slipway-process';
import { ANALYTICS_GOAL, runAnalyticsBench } from './analytics-bench';
import { type ApiBenchResult, runApiBench } from './api-bench';
import { runLongRangeBench } from './long-range-bench';
import type { LoadShape } from './measure';
import { RUNS_RATIO_GOAL, runRunsBench } from './runs-bench';
import { runSwapBench } from './swap-bench';

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function printTable(result: ApiBenchResult): void {
  const row = (server: string, rps: number, p50: number, p99: number, ratio: string) => ({
    server,
    'req/s': Math.round(rps),
    'p50 ms': p50,
    'p99 ms': p99,
    'vs baseline': ratio,
  });
  const { baseline, slipway, slipwayQuiet } = result;
  console.log(
    `\n${result.route}: ${result.shape.connections} connections, ${result.shape.durationSeconds} s after a ${result.shape.warmupSeconds} s warm-up`,
  );
  console.table([
    row(
      'bare Fastify (baseline)',
      baseline.requestsPerSecond,
      baseline.latencyP50Ms,
      baseline.latencyP99Ms,
      '1.00',
    ),
    row(
      'Slipway (LOG_LEVEL=info)',
      slipway.requestsPerSecond,
      slipway.latencyP50Ms,
      slipway.latencyP99Ms,
      result.ratio.toFixed(2),
    ),
    row(
      'Slipway (LOG_LEVEL=warn)',
      slipwayQuiet.requestsPerSecond,
      slipwayQuiet.latencyP50Ms,
      slipwayQuiet.latencyP99Ms,
      result.ratioQuiet.toFixed(2),
    ),
  ]);
  const verdict = result.ratio >= result.goal ? 'meets' : 'misses';
  console.log(
    `ratio ${result.ratio.toFixed(3)} ${verdict} the goal of ${result.goal.toFixed(2)} (LOG_LEVEL=warn: ${result.ratioQuiet.toFixed(3)})\n`,
  );
}

async function save(name: string, result: object): Promise<void> {
  const dir = join(REPO_ROOT, 'bench/results');
  await mkdir(dir, { recursive: true });
  const record = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    ...result,
  };
  await writeFile(join(dir, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  console.log(`written to bench/results/${name}.json`);
}

async function apiBench(): Promise<void> {
  const shape: LoadShape = {
    connections: positiveInteger('BENCH_CONNECTIONS', 10),
    durationSeconds: positiveInteger('BENCH_DURATION', 10),
    warmupSeconds: positiveInteger('BENCH_WARMUP', 2),
  };
  const result = await runApiBench(shape);
  printTable(result);
  await save('api', result);
}

async function swapBench(): Promise<void> {
  const result = await runSwapBench(positiveInteger('BENCH_SWAPS', 6));
  console.log(`\nswap: ${result.swaps} promotions between two clusters of one service (local provider)`);
  console.table({
    'promote request → balancer serves new version': result.promoteToServing,
    'promote step: provider time': result.promoteProvider,
    'platform overhead per provider step (step − provider)': result.stepOverhead,
    'transition without provider call (request, displacement)': result.bookkeepingTransition,
  });
  await save('swap', result);
}

async function runsBench(): Promise<void> {
  const result = await runRunsBench(
    positiveInteger('BENCH_RUNS', 500),
    positiveInteger('BENCH_RUN_CONCURRENCY', 8),
  );
  const perSecond = (value: number | null) => (value === null ? 'n/a' : Math.round(value));
  console.log(`\nruns: ${result.runs} single-step runs, concurrency ${result.concurrency}, no-op provider`);
  console.table({
    'raw BullMQ no-op worker (baseline)': { 'per second': perSecond(result.rawBullmqPerSecond) },
    'Slipway through BullMQ (lmdb store)': { 'per second': perSecond(result.bullmqPerSecond) },
    'Slipway inline executor (lmdb store)': { 'per second': perSecond(result.inlinePerSecond) },
  });
  if (result.skipped) console.log(`BullMQ figures skipped: ${result.skipped}`);
  else {
    const ratio = result.ratioBullmqToRaw ?? 0;
    console.log(
      `BullMQ path / raw BullMQ = ${ratio.toFixed(3)}: ${ratio >= RUNS_RATIO_GOAL ? 'meets' : 'misses'} the goal of ${RUNS_RATIO_GOAL}`,
    );
  }
  await save('runs', result);
}

async function longRangeBench(): Promise<void> {
  const url = process.env.MONGO_URL;
  if (!url) {
    console.log('long-range: skipped, MONGO_URL is not set');
    return;
  }
  const result = await runLongRangeBench(url, positiveInteger('BENCH_LONG_RANGE_DAYS', 90));
  console.log(
    `\nlong-range: groupBy=week over ${result.days} days of hourly buckets on the MongoDB-protocol server (${result.buckets} buckets, every hour full)`,
  );
  console.table({
    [`${result.days} days`]: { 'query ms': result.rangeQueryMs },
    'first 7 days': { 'query ms': result.weekQueryMs },
  });
  await save('long-range', result);
}

async function analyticsBench(): Promise<void> {
  const result = await runAnalyticsBench(
    positiveInteger('BENCH_ANALYTICS_TRANSITIONS', 1_000_000),
    positiveInteger('BENCH_ANALYTICS_MONGO_TRANSITIONS', 30_000),
  );
  console.log(
    '\nanalytics: cluster deploy time by service over the whole range, rollups vs a scan of the raw records',
  );
  console.table(
    Object.fromEntries(
      result.results.map((r) => [
        r.store,
        {
          transitions: r.transitions,
          'load s': Math.round(r.loadSeconds),
          'rollup query ms': r.rollupQueryMs,
          'raw scan ms': r.bruteForceScanMs,
          speedup: r.speedup,
        },
      ]),
    ),
  );
  const lmdb = result.results.find((r) => r.store === 'lmdb');
  if (lmdb) {
    const meets =
      lmdb.rollupQueryMs <= ANALYTICS_GOAL.maxQueryMs && lmdb.speedup >= ANALYTICS_GOAL.minSpeedup;
    console.log(
      `lmdb: ${lmdb.rollupQueryMs} ms, ${lmdb.speedup}x the scan: ${meets ? 'meets' : 'misses'} the goal of ≤ ${ANALYTICS_GOAL.maxQueryMs} ms and ≥ ${ANALYTICS_GOAL.minSpeedup}x`,
    );
  }
  if (result.skipped) console.log(`MongoDB figures skipped: ${result.skipped}`);
  await save('analytics', result);
}

const BENCHES: Record<string, () => Promise<void>> = {
  api: apiBench,
  swap: swapBench,
  runs: runsBench,
  analytics: analyticsBench,
  'long-range': longRangeBench,
};

/**
 * `npm run bench [-- api|swap|runs|analytics|long-range ...]`, all by default. BENCH_CONNECTIONS,
 * BENCH_DURATION and BENCH_WARMUP (seconds) shape the api load; BENCH_SWAPS the number of
 * promotions; BENCH_RUNS and BENCH_RUN_CONCURRENCY the runs bench (which needs REDIS_URL for its
 * BullMQ figures); BENCH_ANALYTICS_TRANSITIONS (lmdb) and BENCH_ANALYTICS_MONGO_TRANSITIONS the
 * analytics bench; BENCH_LONG_RANGE_DAYS the long-range one (which needs MONGO_URL).
 */
async function main(): Promise<void> {
  const chosen = process.argv.slice(2);
  const unknown = chosen.filter((name) => !(name in BENCHES));
  if (unknown.length > 0)
    throw new Error(`unknown bench ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`);
  for (const name of chosen.length > 0 ? chosen : Object.keys(BENCHES)) await BENCHES[name]!();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
