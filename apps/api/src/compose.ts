import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ClusterSpec,
  clusterKind,
  imageKind,
  type KindProvider,
  KindRegistry,
  type Resource,
  ResourceService,
  RunWalker,
  registeredProvider,
  type Store,
  systemClock,
} from '@slipway/domain';
import { InlineExecutor, localClusterProvider, localImageProvider } from '@slipway/ops';
import { LmdbStore, MongoStore } from '@slipway/persistence';
import type { FastifyInstance } from 'fastify';
import { monotonicFactory } from 'ulid';
import { buildApp } from './app';
import { AdminTokenAuthenticator } from './auth/admin-token';
import { ConfigError, type SlipwayConfig } from './config';
import type { BackendCheck } from './routes/health-routes';

export interface Slipway {
  app: FastifyInstance;
  store: Store;
  executor: InlineExecutor;
  /** Printed once by main.ts on the very first start; null afterwards or when configured. */
  generatedToken: string | null;
  /** Unfinished runs picked up at start. */
  recoveredRuns: number;
  close(): Promise<void>;
}

/** The composition root: picks the adapters and wires them. */
export async function createSlipway(
  config: SlipwayConfig,
  options: {
    logger?: boolean | object;
    cwd?: string;
    /** Wraps each kind's provider (benchmarks time provider calls with it); identity by default. */
    instrument?: (kind: string, provider: KindProvider) => KindProvider;
  } = {},
): Promise<Slipway> {
  if (config.redisUrl) {
    throw new ConfigError('REDIS_URL', 'is set, but this build runs on the inline executor only; unset it');
  }
  await mkdir(config.dataDir, { recursive: true });
  const store = await openStore(config);
  const kinds = new KindRegistry([imageKind, clusterKind]);
  const clusters = localClusterProvider({
    dataDir: config.dataDir,
    cwd: options.cwd,
    getResource: (id) => store.getResource(id),
  });
  const providers = new Map<string, KindProvider>([
    ['cluster', registeredProvider(clusters)],
    [
      'image',
      registeredProvider(
        localImageProvider({
          dataDir: config.dataDir,
          sourceRoots: config.imageSourceRoots.length > 0 ? config.imageSourceRoots : undefined,
          cwd: options.cwd,
        }),
      ),
    ],
  ]);
  if (options.instrument) {
    for (const [kind, provider] of providers) providers.set(kind, options.instrument(kind, provider));
  }
  const newId = monotonicFactory();
  const walker = new RunWalker({ store, kinds, providers, clock: systemClock, newId: () => newId() });
  const { authenticator, generatedToken } = await AdminTokenAuthenticator.bootstrap(store, config.adminToken);
  let app: FastifyInstance | null = null;
  const executor = new InlineExecutor({
    walker,
    store,
    concurrency: config.concurrency,
    onError: (runId, error) => app?.log.error({ err: error, runId }, 'run walk failed'),
  });
  const service = new ResourceService({
    store,
    kinds,
    providers,
    executor,
    clock: systemClock,
    newId: () => newId(),
  });
  const backends: BackendCheck[] = [
    { name: 'store', backend: config.mongoUrl ? 'mongodb' : 'lmdb', ping: () => store.ping() },
    // In-process: it is up exactly when this answers.
    { name: 'executor', backend: 'inline', ping: async () => {} },
  ];
  app = await buildApp({ service, kinds, store, backends, authenticator, logger: options.logger ?? false });
  const recoveredRuns = await executor.recover();
  // Balancers are detached and normally still up; this re-attaches each live service to its
  // balancer (starting it again after a reboot) so traffic follows the store, not memory.
  const restored = await clusters.restoreBalancers((await liveClusters(store)) as Resource<ClusterSpec>[]);
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

/** MONGO_URL picks the MongoDB store; an unreachable server fails startup naming the variable. */
async function openStore(config: SlipwayConfig): Promise<Store> {
  if (config.mongoUrl) return MongoStore.open({ url: config.mongoUrl });
  return LmdbStore.open({ path: join(config.dataDir, 'db') });
}

async function liveClusters(store: Store): Promise<Resource[]> {
  const live: Resource[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listResources({
      kind: 'cluster',
      state: 'live',
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    live.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return live;
}
