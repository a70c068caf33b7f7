import type { KindRegistry } from '../kinds/kind-registry';
import type { Clock } from '../ports/clock';
import type { KindProvider } from '../ports/provider';
import type { ResourceStore } from '../ports/resource-store';
import type { RunStore } from '../ports/run-store';
import type { StepHook } from './step-hooks';

export interface RunWalkerOptions {
  store: ResourceStore & RunStore;
  kinds: KindRegistry;
  /** The provider serving each kind, by kind name. */
  providers: ReadonlyMap<string, KindProvider>;
  /** Other kinds' code run around a kind's steps (`StepHook`); none by default. */
  hooks?: readonly StepHook[];
  clock: Clock;
  newId: () => string;
  /**
   * How often one step of a run may be started. Each crash or restart of the process walking the
   * run starts the step again; past this many the run fails with `attempts_exhausted` rather than
   * taking its process down for ever.
   * @defaultValue 5
   */
  maxAttempts?: number;
}
