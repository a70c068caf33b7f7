import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  imageKind,
  type KindProvider,
  KindRegistry,
  ResourceService,
  RunWalker,
  type Store,
  systemClock,
} from '@slipway/domain';
import { InlineExecutor, localImageProvider } from '@slipway/ops';
import { LmdbStore } from '@slipway/persistence';
import type { FastifyInstance } from 'fastify';
import { monotonicFactory } from 'ulid';
import { buildApp } from './app';
import { AdminTokenAuthenticator } from './auth/admin-token';
import type { SlipwayConfig } from './config';

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
  options: { logger?: boolean | object; cwd?: string } = {},
): Promise<Slipway> {
  await mkdir(config.dataDir, { recursive: true });
  const store = await LmdbStore.open({ path: join(config.dataDir, 'db') });
  const kinds = new KindRegistry([imageKind]);
  const providers = new Map<string, KindProvider>([
    [
      'image',
      localImageProvider({
        dataDir: config.dataDir,
        sourceRoots: config.imageSourceRoots.length > 0 ? config.imageSourceRoots : undefined,
        cwd: options.cwd,
      }) as KindProvider,
    ],
  ]);
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
  app = await buildApp({ service, kinds, store, authenticator, logger: options.logger ?? false });
  const recoveredRuns = await executor.recover();
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
