import { bindingProblems, type KindBinding } from '../kinds/kind-binding';
import { KindRegistry } from '../kinds/kind-registry';
import { type Clock, systemClock } from '../ports/clock';
import type { Executor } from '../ports/executor';
import type { KindProvider } from '../ports/provider';
import type { ResourceStore } from '../ports/resource-store';
import type { RunStore } from '../ports/run-store';
import { ResourceService } from '../services/resource-service';
import { guardProblems, type RunGuard, type SpecGuard } from './guards';
import { RunWalker } from './run-walker';
import { hookProblems, type StepHook } from './step-hooks';

export interface EngineParts {
  store: ResourceStore & RunStore;
  /** Each registered kind with its provider (`bindKind`), in the order they are listed. */
  bindings: readonly KindBinding[];
  /** Hooks kinds register into other kinds' steps. */
  hooks?: readonly StepHook[];
  /** Kinds' rules on other kinds' specs and runs, checked by the service. */
  specGuards?: readonly SpecGuard[];
  runGuards?: readonly RunGuard[];
  newId: () => string;
  clock?: Clock;
  /** @defaultValue 5 (see `RunWalkerOptions.maxAttempts`) */
  maxAttempts?: number;
}

/** The wired engine: what the API, the workers, the tests and the benchmarks each walk runs with. */
export interface AssembledEngine<S extends ResourceStore & RunStore = ResourceStore & RunStore> {
  store: S;
  kinds: KindRegistry;
  providers: ReadonlyMap<string, KindProvider>;
  hooks: readonly StepHook[];
  walker: RunWalker;
  newId: () => string;
  clock: Clock;
  /** The API's service over this engine, submitting runs to `executor`. */
  service(executor: Executor): ResourceService;
}

/** Refused at start: a kind, its provider and the hooks into it do not fit together. */
export class BindingError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The registered kinds do not fit their providers:\n- ${problems.join('\n- ')}`);
    this.name = 'BindingError';
  }
}

/**
 * The one engine factory. Checks every binding and hook first (the start-up check of what the
 * types cannot catch) and throws `BindingError` listing every mismatch, so a misnamed step stops
 * the process at start instead of failing a run with `no_provider` later.
 */
export function assembleEngine<S extends ResourceStore & RunStore>(
  parts: EngineParts & { store: S },
): AssembledEngine<S> {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const binding of parts.bindings) {
    if (names.has(binding.kind.name)) problems.push(`kind "${binding.kind.name}" is registered twice`);
    names.add(binding.kind.name);
    problems.push(...bindingProblems(binding));
  }
  const hooks = parts.hooks ?? [];
  problems.push(
    ...hookProblems(hooks, new Map(parts.bindings.map((binding) => [binding.kind.name, binding.kind.steps]))),
  );
  const specGuards = parts.specGuards ?? [];
  const runGuards = parts.runGuards ?? [];
  problems.push(...guardProblems([...specGuards, ...runGuards], names));
  if (problems.length > 0) throw new BindingError(problems);
  const { store, newId } = parts;
  const clock = parts.clock ?? systemClock;
  const kinds = new KindRegistry(parts.bindings.map((binding) => binding.kind));
  const providers: ReadonlyMap<string, KindProvider> = new Map(
    parts.bindings.map((binding) => [binding.kind.name, binding.provider]),
  );
  const walker = new RunWalker({
    store,
    kinds,
    providers,
    hooks,
    clock,
    newId,
    ...(parts.maxAttempts === undefined ? {} : { maxAttempts: parts.maxAttempts }),
  });
  return {
    store,
    kinds,
    providers,
    hooks,
    walker,
    newId,
    clock,
    service: (executor) =>
      new ResourceService({ store, kinds, providers, executor, clock, newId, specGuards, runGuards }),
  };
}
