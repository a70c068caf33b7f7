import {
  type ClusterSpec,
  type Executor,
  listAllResources,
  type Resource,
  ResourceService,
  type Store,
  systemClock,
} from '@slipway/domain';
import { BullmqExecutor, InlineExecutor } from '@slipway/ops';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';
import { AdminTokenAuthenticator } from './auth/admin-token';
import type { SlipwayConfig } from './config';
import { type EngineOptions, openEngine } from './engine';
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
  const engine = await openEngine(config, options);
  const { store, kinds, providers, clusters, walker, newId } = engine;
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
  const { authenticator, generatedToken } = await AdminTokenAuthenticator.bootstrap(store, config.adminToken);
  const service = new ResourceService({ store, kinds, providers, executor, clock: systemClock, newId });
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
  app = await buildApp({
    service,
    kinds,
    store,
    backends,
    authenticator,
    ...(queue ? { queue } : {}),
    logger: options.logger ?? false,
  });
  // Inline: walks what a crash left unfinished. BullMQ: sweeps it back onto the queue for the workers.
  const recoveredRuns = await executor.recover();
  // Balancers are detached and normally still up; this re-attaches each live service to its
  // balancer (starting it again after a reboot) so traffic follows the store, not memory.
  const restored = await clusters.restoreBalancers(
    (await listAllResources(store, { kind: 'cluster', state: 'live' })) as Resource<ClusterSpec>[],
  );
  for (const outcome of restored) app.log.info({ balancer: outcome }, 'service balancer restored');
  const built = app;
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
