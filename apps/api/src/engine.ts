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
import { instrumentStore } from './metrics/instrument-store';
import type { SlipwayMetrics } from './metrics/slipway-metrics';
import { OwnPorts } from './own-ports';

/** What the API and the workers share: the store, the kinds, their providers and the walker. */
export interface Engine extends AssembledEngine<Store> {
  storeBackend: 'mongodb' | 'lmdb';
  /** Where the process registers the servers it listens with. */
  ownPorts: OwnPorts;
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
  /** When given, every store call is timed and every run started and ended is counted into it. */
  metrics?: SlipwayMetrics;
  /** Where start-up notices for the operator go; stderr by default. */
  notice?: (line: string) => void;
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
  const opened = config.mongoUrl
    ? await MongoStore.open({ url: config.mongoUrl })
    : await LmdbStore.open({ path: join(config.dataDir, 'db') });
  const store = options.metrics ? instrumentStore(opened, options.metrics) : opened;
  const id = monotonicFactory();
  // Hooks are built before the walker exists; by the time one runs, it does.
  let walker: AssembledEngine['walker'] | null = null;
  const ownPorts = new OwnPorts();
  ownPorts.expect('api', config.port);
  // Workers are other processes (often on this machine): their health port is known by its setting.
  if (config.redisUrl) ownPorts.expect('worker health', config.workerHealthPort);
  const environment: BackendEnvironment = {
    config,
    cwd: options.cwd,
    store,
    ownPorts,
    collections: store,
    notice: options.notice ?? ((line) => process.stderr.write(`slipway: ${line}\n`)),
    runs: {
      start: (run) => store.startRun(run),
      walk: (runId, signal) => {
        if (!walker) throw new Error('the engine is not wired yet');
        return walker.walk(runId, signal);
      },
      dropQueued: async (runId, why) =>
        (await store.finishRun(runId, ['queued'], {
          status: 'cancelled',
          error: { code: 'not_needed', message: why },
          finishedAt: new Date().toISOString(),
          durationMs: 0,
        })) !== null,
      newId: () => id(),
    },
  };
  try {
    for (const module of options.modules ?? KIND_MODULES) await module.prepare?.(environment);
    const engine = wire(store, config, options, environment, () => id());
    walker = engine.walker;
    return engine;
  } catch (error) {
    await store.close();
    throw error;
  }
}

function wire(
  store: Store,
  config: SlipwayConfig,
  options: EngineOptions,
  environment: BackendEnvironment,
  newId: () => string,
): Engine {
  const modules = options.modules ?? KIND_MODULES;
  const backend = options.backend ?? 'local';
  const missing = modules.filter((module) => !module.backends[backend]);
  if (missing.length > 0) {
    throw new BindingError(missing.map((module) => `${module.kind.name}: no "${backend}" provider`));
  }
  const problems = collectionProblems(modules);
  if (problems.length > 0) throw new BindingError(problems);
  const started = modules.map((module) => module.backends[backend]!(environment));
  const bindings = withFaultAndInstruments(
    started.map((bound) => bound.binding),
    options,
  );
  const engine = assembleEngine({
    store,
    bindings,
    hooks: modules.flatMap((module) => module.hooks?.(environment) ?? []),
    ...guardsOf(modules, environment),
    newId,
    maxAttempts: config.maxAttempts,
  });
  return {
    ...engine,
    storeBackend: config.mongoUrl ? 'mongodb' : 'lmdb',
    ownPorts: environment.ownPorts,
    modules,
    async reconcile(context) {
      for (const bound of started) await bound.reconcile?.({ ...context, store });
    },
  };
}

/** A kind's collections are named `<kind>.<name>`, once per installation: adapters name storage after them. */
function collectionProblems(modules: readonly KindModule[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const module of modules) {
    for (const { name } of module.collections ?? []) {
      if (!name.startsWith(`${module.kind.name}.`) || !/^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/.test(name)) {
        problems.push(`${module.kind.name}: collection "${name}" must be named ${module.kind.name}.<name>`);
      }
      if (seen.has(name)) problems.push(`${module.kind.name}: collection "${name}" is declared twice`);
      seen.add(name);
    }
  }
  return problems;
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
