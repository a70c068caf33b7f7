// Synthetic audit history loaded in bulk (many records per write, not through the engine), for the
// analytics benchmark: each run is a cluster deploy (launch, verify) or an image bake (build),
// recorded with the stores' own rollup code so the buckets are what the write path would make.
import { factOfRun, factOfTransition, hourOf, type Run, type Transition } from '@slipway/domain';
import { MongoClient } from 'mongodb';
import { openDatabases } from '../src/embedded/lmdb-databases';
import { addRollupFact } from '../src/embedded/rollup-operations';
import { transitionIndexes, transitionIndexKey } from '../src/embedded/transition-indexes';
import { collectionsOf } from '../src/mongo/mongo-collections';
import { toRunDocument } from '../src/mongo/run-mapper';
import { toTransitionDocument } from '../src/mongo/transition-mapper';

const START = Date.parse('2030-01-01T00:00:00.000Z');
const HOURS = 28 * 24;

/** The n-th synthetic run and its transitions (a requested one, then one per step). */
export function syntheticRun(n: number): { run: Run; transitions: Transition[] } {
  const cluster = n % 3 !== 0;
  const kind = cluster ? 'cluster' : 'image';
  const target = cluster ? 'live' : 'built';
  const steps = cluster ? ['launch', 'verify'] : ['build'];
  const service = ['web', 'api', 'worker'][n % 3]!;
  const groups: Record<string, string> = cluster ? { service, provider: 'local' } : { provider: 'local' };
  // Deterministic spread: hours over four weeks, durations log-spread from 50 ms to ~10 min.
  const startAt = START + ((n * 7919) % HOURS) * 3_600_000 + ((n * 104_729) % 3_000_000);
  const failed = n % 11 === 0;
  const id = `R${String(n).padStart(12, '0')}`;
  const resourceId = `X${String(n).padStart(12, '0')}`;
  const transitions: Transition[] = [];
  let at = startAt;
  const base = {
    resourceId,
    kind,
    runId: id,
    attempt: 1,
    error: null,
    outputs: {},
    log: '',
    actor: 'bench',
    target,
    reason: null,
    requestId: null,
    groups,
  };
  transitions.push({
    ...base,
    id: `${id}-0`,
    seq: 1,
    from: 'pending',
    to: steps[0]!,
    event: 'START',
    startedAt: new Date(at).toISOString(),
    endedAt: new Date(at).toISOString(),
    durationMs: 0,
    outcome: 'requested',
    step: null,
  });
  for (const [i, step] of steps.entries()) {
    const ms = Math.round(50 * Math.exp((((n * (i + 3) * 2_654_435_761) % 1000) / 1000) * Math.log(12_000)));
    const last = i === steps.length - 1;
    const fails = failed && last;
    transitions.push({
      ...base,
      id: `${id}-${i + 1}`,
      seq: i + 2,
      from: step,
      to: fails ? 'failed' : last ? target : steps[i + 1]!,
      event: fails ? 'FAILURE' : 'SUCCESS',
      startedAt: new Date(at).toISOString(),
      endedAt: new Date(at + ms).toISOString(),
      durationMs: ms,
      outcome: fails ? 'failed' : 'succeeded',
      step,
    });
    at += ms;
  }
  const run: Run = {
    id,
    resourceId,
    kind,
    target,
    action: null,
    status: failed ? 'failed' : 'succeeded',
    requestedBy: 'bench',
    reason: null,
    force: false,
    requestId: null,
    idempotencyKey: null,
    fromState: 'pending',
    step: steps.at(-1)!,
    attempt: 1,
    error: failed ? { code: 'launch_failed', message: 'synthetic' } : null,
    cancelRequestedBy: null,
    cancelReason: null,
    createdAt: new Date(startAt).toISOString(),
    startedAt: new Date(startAt).toISOString(),
    finishedAt: new Date(at + 10).toISOString(),
    durationMs: at + 10 - startAt,
    groups,
    failingSince: null,
  };
  return { run, transitions };
}

/** Loads runs until `transitions` transitions are stored, 5,000 runs per lmdb transaction. */
export async function bulkLoadLmdb(
  path: string,
  transitions: number,
): Promise<{ runs: number; transitions: number }> {
  const dbs = openDatabases(path);
  let runs = 0;
  let written = 0;
  try {
    while (written < transitions) {
      await dbs.root.transaction(() => {
        for (let i = 0; i < 5000 && written < transitions; i++) {
          const { run, transitions: recorded } = syntheticRun(runs++);
          dbs.runs.put(run.id, run);
          dbs.runsByTime.put([run.createdAt, run.id], true);
          dbs.runsByResource.put([run.resourceId, run.createdAt, run.id], true);
          addRollupFact(dbs, factOfRun(run));
          for (const transition of recorded) {
            dbs.transitions.put(transition.id, transition);
            for (const index of transitionIndexes(dbs))
              index.db.put(transitionIndexKey(index, transition), true);
            addRollupFact(dbs, factOfTransition(transition));
            written++;
          }
        }
      });
    }
  } finally {
    await dbs.root.close();
  }
  return { runs, transitions: written };
}

/**
 * Loads runs, transitions and their rollup deltas with insertMany, as the write path would leave
 * them before compaction; the caller folds them with `MongoStore.compactRollups`.
 */
export async function bulkLoadMongo(
  url: string,
  dbName: string,
  transitions: number,
): Promise<{ runs: number; transitions: number }> {
  const client = await MongoClient.connect(url);
  const collections = collectionsOf(client.db(dbName));
  let runs = 0;
  let written = 0;
  try {
    while (written < transitions) {
      const runDocs = [];
      const transitionDocs = [];
      const deltas = [];
      for (let i = 0; i < 1000 && written < transitions; i++) {
        const { run, transitions: recorded } = syntheticRun(runs++);
        runDocs.push(toRunDocument(run, recorded.length));
        const fact = factOfRun(run);
        if (fact) deltas.push({ _id: `run:${run.id}`, ...fact, hour: hourOf(fact.at) });
        for (const transition of recorded) {
          transitionDocs.push(toTransitionDocument(transition));
          const step = factOfTransition(transition);
          if (step) deltas.push({ _id: `step:${transition.id}`, ...step, hour: hourOf(step.at) });
          written++;
        }
      }
      await collections.runs.insertMany(runDocs);
      await collections.transitions.insertMany(transitionDocs);
      await collections.rollupDeltas.insertMany(deltas);
    }
  } finally {
    await client.close();
  }
  return { runs, transitions: written };
}
