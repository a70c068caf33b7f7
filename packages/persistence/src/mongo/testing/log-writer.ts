// A writer process of the pruning crash tests (log-pruning.test.ts): applies its plan's writes to
// one resource over its own MongoStore, the last one with SLIPWAY_FAULT set to the plan's fault
// point, so the process dies exactly there.
import { MongoStore } from '../mongo-store';
import { applyLogOp } from './log-ops';
import type { LogWriterPlan } from './log-writer-plan';

const [url, dbName, planText] = process.argv.slice(2);
if (!url || !dbName || !planText) throw new Error('usage: log-writer.ts MONGO_URL DB_NAME PLAN_JSON');
const plan = JSON.parse(planText) as LogWriterPlan;
const store = await MongoStore.open({ url, dbName });
for (const [i, op] of plan.ops.entries()) {
  if (i === plan.ops.length - 1 && plan.fault) process.env.SLIPWAY_FAULT = plan.fault;
  await applyLogOp(store, plan.resourceId, plan.runId, op, `${plan.label}-${i}`);
}
await store.close();
