import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AssembledEngine,
  assembleEngine,
  BindingError,
  type KindBinding,
  type KindProvider,
  type RunGuard,
  type SpecGuard,
  type Store,
} from '@slipway/domain';
import { bindingsWithStepFault, stepFaultFrom } from '@slipway/ops';
import { LmdbStore, MongoStore } from '@slipway/persistence';
import { monotonicFactory } from 'ulid';
import type { SlipwayConfig } from './config';
import { type BackendEnvironment, KIND_MODULES, type KindModule, type ReconcileContext } from './kinds/index';

/** What the API and the workers share: the store, the kinds, their providers and the walker. */
export interface Engine extends AssembledEngine<Store> {
  storeBackend: 'mongodb' | 'lmdb';
  /** The registered modules, for their extra routes. */
  modules: readonly KindModule[];
  /** Runs every module's start-up reconciliation, in registration order. */
  reconcile(context: Omit<ReconcileContext, 'store'>): Promise<void>;
}

export interface EngineOptions {
  cwd?: string;
  /** Wraps each kind's provider (benchmarks time provider calls with it); identity by default. */
  instrument?: (kind: string, provider: KindProvider) => KindProvider;
  /** The kinds served: `KIND_MODULES` unless a test adds its own through the same path. */
  modules?: readonly KindModule[];
  /** Which provider of each kind to use. @defaultValue 'local' */
  backend?: string;
}

/**
 * The composition root shared by the API, the workers and the benchmarks: opens the store
 * (MONGO_URL picks MongoDB; an unreachable server fails startup naming the variable), starts
 * each module's backend and wires the engine through the one factory, `assembleEngine`.
 */
export async function openEngine(config: SlipwayConfig, options: EngineOptions = {}): Promise<Engine> {
  // It holds the store, built apps, and the balancers' admin tokens: for Slipway's user only. The
  // mode at creation does not reach a directory an older version made, hence the chmod.
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  await chmod(config.dataDir, 0o700);
  const store = config.mongoUrl
    ? await MongoStore.open({ url: config.mongoUrl })
    : await LmdbStore.open({ path: join(config.dataDir, 'db') });
  try {
    return wire(store, config, options);
  } catch (error) {
    await store.close();
    throw error;
  }
}

function wire(store: Store, config: SlipwayConfig, options: EngineOptions): Engine {
  const modules = options.modules ?? KIND_MODULES;
  const backend = options.backend ?? 'local';
  const missing = modules.filter((module) => !module.backends[backend]);
  if (missing.length > 0) {
    throw new BindingError(missing.map((module) => `${module.kind.name}: no "${backend}" provider`));
  }
  const owning = modules.filter((module) => (module.collections ?? []).length > 0);
  if (owning.length > 0) {
    // The port and its contract are declared (KindCollections); the adapters come with the first kind that needs one.
    throw new BindingError(
      owning.map(
        (module) => `${module.kind.name}: declares collections, which no store adapter provides yet`,
      ),
    );
  }
  const environment = { config, cwd: options.cwd, store };
  const started = modules.map((module) => module.backends[backend]!(environment));
  const bindings = withFaultAndInstruments(
    started.map((bound) => bound.binding),
    options,
  );
  const id = monotonicFactory();
  const engine = assembleEngine({
    store,
    bindings,
    hooks: modules.flatMap((module) => module.hooks?.(environment) ?? []),
    ...guardsOf(modules, environment),
    newId: () => id(),
    maxAttempts: config.maxAttempts,
  });
  return {
    ...engine,
    storeBackend: config.mongoUrl ? 'mongodb' : 'lmdb',
    modules,
    async reconcile(context) {
      for (const bound of started) await bound.reconcile?.({ ...context, store });
    },
  };
}

function guardsOf(
  modules: readonly KindModule[],
  environment: BackendEnvironment,
): { specGuards: SpecGuard[]; runGuards: RunGuard[] } {
  const declared = modules.map((module) => module.guards?.(environment) ?? {});
  return {
    specGuards: declared.flatMap((guards) => guards.spec ?? []),
    runGuards: declared.flatMap((guards) => guards.run ?? []),
  };
}

function withFaultAndInstruments(bindings: KindBinding[], options: EngineOptions): KindBinding[] {
  // The crash tests' fault point; a no-op unless NODE_ENV=test and SLIPWAY_FAULT are set.
  const faulty = bindingsWithStepFault(bindings, stepFaultFrom(process.env));
  const { instrument } = options;
  return instrument
    ? faulty.map(({ kind, provider }) => ({ kind, provider: instrument(kind.name, provider) }))
    : faulty;
}
