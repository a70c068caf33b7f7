import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineExecutor } from '@slipway/ops';
import { describeExecutorContract } from '@slipway/ops/testing/executor-contract';
import { LmdbStore } from '@slipway/persistence';

const dirs: string[] = [];

describeExecutorContract('InlineExecutor', {
  openStore: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-inline-executor-'));
    dirs.push(dir);
    return LmdbStore.open({ path: join(dir, 'db') });
  },
  cleanup: async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  },
  start: async ({ store, walker }) => {
    const executor = new InlineExecutor({ store, walker, concurrency: 2 });
    return { executor, capacity: 2, shutdown: () => executor.close() };
  },
});
