// A writer process of the rollup property and crash tests (rollup-property.test.ts): writes a random
// history (seeded, so a failure can be replayed) over its own store: resources, runs, a step per
// run and its end. On MongoDB it also compacts the rollups every few runs, so compactors race too.
// With FAULT set, the last step is written with SLIPWAY_FAULT armed, so the process dies there.
import type { Run, RunStatus } from '@slipway/domain';
import { LmdbStore } from '../src/embedded/lmdb-store';
import { MongoStore } from '../src/mongo/mongo-store';
import { aResource, aRun, aTransition } from './fixtures';

export interface RollupWriterPlan {
  store: { type: 'lmdb'; path: string } | { type: 'mongo'; url: string; dbName: string };
  seed: number;
  runs: number;
  /** Hours (from 2030-05-01T00) the runs spread over. @defaultValue 48 */
  hours?: number;
  /** Arms SLIPWAY_FAULT with this point for the last run's step. */
  fault?: string;
}

const plan = JSON.parse(process.argv[2] ?? '') as RollupWriterPlan;
const store =
  plan.store.type === 'lmdb'
    ? await LmdbStore.open({ path: plan.store.path })
    : await MongoStore.open({ url: plan.store.url, dbName: plan.store.dbName, compactRollupsEveryMs: 0 });

/** mulberry32: small, seedable, good enough to spread durations and outcomes. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(plan.seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
const START = Date.parse('2030-05-01T00:00:00.000Z');
/** Log-uniform from 1 ms to 10 minutes, whole milliseconds. */
const duration = () => Math.round(Math.exp(next() * Math.log(600_000)));

for (let i = 0; i < plan.runs; i++) {
  const kind = pick(['image', 'cluster'] as const);
  const target = kind === 'image' ? 'built' : 'live';
  const step = kind === 'image' ? 'build' : pick(['launch', 'verify']);
  const groups: Record<string, string> =
    kind === 'image' ? { provider: 'local' } : { service: pick(['web', 'api']), provider: 'local' };
  const resource = aResource({ kind });
  await store.createResource(resource);
  const run: Run = aRun(resource, { target, groups });
  await store.startRun(run);
  const at = START + Math.floor(next() * (plan.hours ?? 48)) * 3_600_000 + Math.floor(next() * 3_000_000);
  const failed = next() < 0.25;
  const stepMs = duration();
  const requested = aTransition(resource, run, {
    to: 'working',
    outcome: 'requested',
    endedAt: new Date(at).toISOString(),
  });
  const moved = await store.recordTransition({ transition: requested });
  if (plan.fault && i === plan.runs - 1) process.env.SLIPWAY_FAULT = plan.fault;
  await store.recordTransition({
    transition: aTransition(moved, run, {
      to: failed ? 'failed' : target,
      event: failed ? 'FAILURE' : 'SUCCESS',
      outcome: failed ? 'failed' : 'succeeded',
      step,
      durationMs: stepMs,
      endedAt: new Date(at + stepMs).toISOString(),
    }),
  });
  const status: RunStatus = failed ? 'failed' : 'succeeded';
  await store.finishRun(run.id, ['queued'], {
    status,
    error: null,
    finishedAt: new Date(at + stepMs + 5).toISOString(),
    durationMs: stepMs + duration(),
  });
  if (store instanceof MongoStore && i % 7 === 6) await store.compactRollups();
  process.stdout.write(`${JSON.stringify({ written: i })}\n`);
}
await store.close();
