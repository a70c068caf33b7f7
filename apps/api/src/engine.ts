import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  clusterKind,
  imageKind,
  type KindProvider,
  KindRegistry,
  RunWalker,
  registeredProvider,
  type Store,
  systemClock,
} from '@slipway/domain';
import {
  type LocalClusterProvider,
  localClusterProvider,
  localImageProvider,
  stepFaultFrom,
  withStepFault,
} from '@slipway/ops';
import { LmdbStore, MongoStore } from '@slipway/persistence';
import { monotonicFactory } from 'ulid';
import type { SlipwayConfig } from './config';

/** What the API and the workers share: the store, the kinds, their providers and the walker. */
export interface Engine {
  store: Store;
  storeBackend: 'mongodb' | 'lmdb';
  kinds: KindRegistry;
  providers: Map<string, KindProvider>;
  clusters: LocalClusterProvider;
  walker: RunWalker;
  newId: () => string;
}

export interface EngineOptions {
  cwd?: string;
  /** Wraps each kind's provider (benchmarks time provider calls with it); identity by default. */
  instrument?: (kind: string, provider: KindProvider) => KindProvider;
}

/** MONGO_URL picks the MongoDB store; an unreachable server fails startup naming the variable. */
export async function openEngine(config: SlipwayConfig, options: EngineOptions = {}): Promise<Engine> {
  // It holds the store, built apps, and the balancers' admin tokens: for Slipway's user only. The
  // mode at creation does not reach a directory an older version made, hence the chmod.
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  await chmod(config.dataDir, 0o700);
  const store = config.mongoUrl
    ? await MongoStore.open({ url: config.mongoUrl })
    : await LmdbStore.open({ path: join(config.dataDir, 'db') });
  const kinds = new KindRegistry([imageKind, clusterKind]);
  const clusters = localClusterProvider({
    dataDir: config.dataDir,
    cwd: options.cwd,
    getResource: (id) => store.getResource(id),
  });
  const images = localImageProvider({
    dataDir: config.dataDir,
    sourceRoots: config.imageSourceRoots.length > 0 ? config.imageSourceRoots : undefined,
    cwd: options.cwd,
  });
  // The crash tests' fault point; a no-op unless NODE_ENV=test and SLIPWAY_FAULT are set.
  const providers = withStepFault(
    new Map<string, KindProvider>([
      ['image', registeredProvider(images)],
      ['cluster', registeredProvider(clusters)],
    ]),
    stepFaultFrom(process.env),
  );
  if (options.instrument) {
    for (const [kind, provider] of providers) providers.set(kind, options.instrument(kind, provider));
  }
  const id = monotonicFactory();
  const newId = () => id();
  const walker = new RunWalker({
    store,
    kinds,
    providers,
    clock: systemClock,
    newId,
    maxAttempts: config.maxAttempts,
  });
  return {
    store,
    storeBackend: config.mongoUrl ? 'mongodb' : 'lmdb',
    kinds,
    providers,
    clusters,
    walker,
    newId,
  };
}
