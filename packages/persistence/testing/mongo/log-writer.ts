// A writer process of the pruning crash tests (log-pruning.test.ts): applies its plan's writes to
// one resource over its own MongoStore, the last one with SLIPWAY_FAULT set to the plan's fault
// point, so the process dies exactly there. Prints {"written":i} after each write.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { isSlipwayError } from '@slipway/domain';
import { MongoStore } from '../../src/mongo/mongo-store';
import { applyLogOp } from './log-ops';
import type { LogWriterPlan } from './log-writer-plan';

const [url, dbName, planText] = process.argv.slice(2);
if (!url || !dbName || !planText) throw new Error('usage: log-writer.ts MONGO_URL DB_NAME PLAN_JSON');
const plan = JSON.parse(planText) as LogWriterPlan;
const store = await MongoStore.open({ url, dbName });
if (plan.startOnGo) {
  // Writers meant to race start together: each says it is ready, then waits for the word.
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  const lines = createInterface({ input: process.stdin });
  await once(lines, 'line');
  // An open stdin would keep the process alive after its last write.
  lines.close();
  process.stdin.destroy();
}
for (const [i, op] of plan.ops.entries()) {
  if (i === plan.ops.length - 1 && plan.fault) process.env.SLIPWAY_FAULT = plan.fault;
  // Another writer of the same resource may take the seq this transition was built for: build it again.
  for (;;) {
    try {
      await applyLogOp(store, plan.resourceId, plan.runId, op, `${plan.label}-${i}`);
      break;
    } catch (error) {
      if (!(isSlipwayError(error) && error.code === 'version_conflict')) throw error;
    }
  }
  process.stdout.write(`${JSON.stringify({ written: i })}\n`);
}
await store.close();
