// A Slipway worker process for the multi-process BullMQ tests: a walker over the shared MongoDB
// store, the effect-ledger provider, and a BullmqWorker. Prints one JSON line when it takes jobs;
// SIGTERM closes it gracefully; the tests also kill it with SIGKILL.
import { assembleEngine, bindKind, imageKind } from '@slipway/domain';
import { BullmqWorker, bindingsWithStepFault } from '@slipway/ops';
import { effectLedgerProvider } from '@slipway/ops/testing';
import { MongoStore } from '@slipway/persistence';
import { monotonicFactory } from 'ulid';
import { WORKER_CONFIG_ENV, type WorkerProcessConfig } from './worker-process-config';

const config = JSON.parse(process.env[WORKER_CONFIG_ENV]!) as WorkerProcessConfig;
const store = await MongoStore.open({ url: config.mongoUrl, dbName: config.dbName });
const id = monotonicFactory();
const { walker } = assembleEngine({
  store,
  bindings: bindingsWithStepFault([bindKind(imageKind, effectLedgerProvider(config.ledger))], config.fault),
  newId: () => id(),
  ...(config.maxAttempts === undefined ? {} : { maxAttempts: config.maxAttempts }),
});
const worker = await BullmqWorker.start({
  connection: config.redisUrl,
  queueName: config.queueName,
  store,
  walker,
  concurrency: config.concurrency,
  lockDurationMs: config.lockDurationMs,
  stalledIntervalMs: config.stalledIntervalMs,
  cancelCheckIntervalMs: config.cancelCheckIntervalMs,
  onError: (runId, error) => {
    process.stderr.write(
      `worker ${process.pid}: ${runId ?? '-'}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  },
});

process.once('SIGTERM', () => {
  void (async () => {
    await worker.close();
    await store.close();
    process.exit(0);
  })();
});
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
