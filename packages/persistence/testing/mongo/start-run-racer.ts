// One racer of the start-run hammer test (mongo-store.test.ts): a long-lived process with its own
// MongoStore, so a pool of them races like API replicas do, without paying a process start per
// trial. Reads one JSON line per trial on stdin (the runs to start, all at once), answers one JSON
// line per trial on stdout with what each start did. Prints {"ready":true} once the store is open.
import { createInterface } from 'node:readline';
import { isSlipwayError, type Run } from '@slipway/domain';
import { MongoStore } from '../../src/mongo/mongo-store';
import type { RacerOutcome, RacerRequest } from './racer-protocol';

const [url, dbName] = process.argv.slice(2);
if (!url || !dbName) throw new Error('usage: start-run-racer.ts MONGO_URL DB_NAME');
const store = await MongoStore.open({ url, dbName });

async function start(run: Run): Promise<RacerOutcome> {
  try {
    await store.startRun(run);
    return { runId: run.id, ok: true };
  } catch (error) {
    if (isSlipwayError(error)) {
      return { runId: run.id, ok: false, slipway: true, code: error.code, details: error.details };
    }
    const name = error instanceof Error ? error.name : typeof error;
    const message = error instanceof Error ? error.message : String(error);
    return { runId: run.id, ok: false, slipway: false, name, message };
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const request = JSON.parse(line) as RacerRequest;
  void Promise.all(request.runs.map(start)).then((outcomes) => {
    process.stdout.write(`${JSON.stringify({ trial: request.trial, outcomes })}\n`);
  });
});
lines.on('close', () => {
  void store.close().then(() => process.exit(0));
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
