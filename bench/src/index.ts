import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/acceptance/support/slipway-process';
import { type ApiBenchResult, runApiBench } from './api-bench';
import type { LoadShape } from './measure';

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

/** `npm run bench`: BENCH_CONNECTIONS, BENCH_DURATION and BENCH_WARMUP (seconds) override the load shape. */
async function main(): Promise<void> {
  const shape: LoadShape = {
    connections: positiveInteger('BENCH_CONNECTIONS', 10),
    durationSeconds: positiveInteger('BENCH_DURATION', 10),
    warmupSeconds: positiveInteger('BENCH_WARMUP', 2),
  };
  const result = await runApiBench(shape);
  printTable(result);
  const dir = join(REPO_ROOT, 'bench/results');
  await mkdir(dir, { recursive: true });
  const record = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    ...result,
  };
  await writeFile(join(dir, 'api.json'), `${JSON.stringify(record, null, 2)}\n`);
  console.log(`written to bench/results/api.json`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
