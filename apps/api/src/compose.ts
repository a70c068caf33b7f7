import type { Executor, Store } from '@slipway/domain';
import { BullmqExecutor, InlineExecutor } from '@slipway/ops';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';
import { UserAuthenticator } from './auth/user-authenticator';
import type { SlipwayConfig } from './config';
import { type EngineOptions, openEngine } from './engine';
import { bootstrapAdminUser } from './kinds/user/admin-user';
import { registerUserRuntime } from './kinds/user/user-runtime';
import { TokenRegistry } from './kinds/user/user-tokens';
import { SlipwayMetrics } from './metrics/slipway-metrics';
import type { BackendCheck } from './routes/health-routes';
export interface Slipway {
  app: FastifyInstance;
  store: Store;
  executor: Executor;
  /** Printed once by main.ts on the very first start; null afterwards or when configured. */
  generatedToken: string | null;
  /** Unfinished runs picked up at start. */
  recoveredRuns: number;
  close(): Promise<void>;
}

/** The composition root of the API: picks the adapters and wires them. */
export async function createSlipway(
  config: SlipwayConfig,
  options: { logger?: boolean | object } & EngineOptions = {},
): Promise<Slipway> {
  const metrics = new SlipwayMetrics();
  const engine = await openEngine(config, { ...options, metrics });
  const { store, kinds, walker } = engine;
  let app: FastifyInstance | null = null;
  const onError = (runId: string | null, error: unknown) =>
    app?.log.error({ err: error, runId }, 'run walk failed');
  const executor: Executor = config.redisUrl
    ? await BullmqExecutor.connect({
        connection: config.redisUrl,
        queueName: config.queueName,
        store,
        onError,
      }).catch(async (error: unknown) => {
        await store.close();
        throw error;
      })
    : new InlineExecutor({ walker, store, concurrency: config.concurrency, onError });
  const service = engine.service(executor);
  const tokens = new TokenRegistry(store, engine.newId);
  const authenticator = new UserAuthenticator({ tokens, store, kinds, service });
  registerUserRuntime(store, { tokens, authenticator });
  // The admin token of old becomes the first admin user, before the first request is served.
  const { generatedToken } = await bootstrapAdminUser({
    store,
    service,
    tokens,
    configuredToken: config.adminToken,
    now: () => new Date().toISOString(),
  }).catch(async (error: unknown) => {
    await executor.close();
    await store.close();
    throw error;
  });
  const backends: BackendCheck[] = [
    { name: 'store', backend: engine.storeBackend, ping: () => store.ping() },
    executor instanceof BullmqExecutor
      ? { name: 'executor', backend: 'bullmq', ping: () => executor.ping() }
      : // In-process: it is up exactly when this answers.
        { name: 'executor', backend: 'inline', ping: async () => {} },
  ];
  const queue =
    executor instanceof BullmqExecutor
      ? { queueName: config.queueName, count: () => executor.consumers() }
      : undefined;
  metrics.countActiveRuns(async () => {
    const counts: Record<string, number> = { queued: 0, running: 0, cancelling: 0 };
    for (const run of await store.listUnfinishedRuns()) counts[run.status] = (counts[run.status] ?? 0) + 1;
    return counts;
  });
  if (executor instanceof BullmqExecutor) metrics.countQueuedJobs(() => executor.jobCounts());
  app = await buildApp({
    metrics,
    service,
    kinds,
    store,
    backends,
    authenticator,
    ...(queue ? { queue } : {}),
    modules: engine.modules,
    logger: options.logger ?? false,
  });
  engine.ownPorts.watch('api', app.server);
  // Inline: walks what a crash left unfinished. BullMQ: sweeps it back onto the queue for the workers.
  const recoveredRuns = await executor.recover();
  // Each module brings what outlives the API (a service's balancer) back in line with the store.
  const built = app;
  await engine.reconcile({ service, log: (details, message) => built.log.info(details, message) });
  return {
    app: built,
    store,
    executor,
    generatedToken,
    recoveredRuns,
    async close() {
      await built.close();
      await executor.close();
      await store.close();
    },
  };
}
