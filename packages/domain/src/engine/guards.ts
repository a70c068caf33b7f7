import type { Principal } from '../model/principal';
import type { Resource } from '../model/resource';
import type { Run } from '../model/run';

/** What a guard may do besides refusing: create a resource it depends on and set it going. */
export interface GuardActions {
  create(
    kind: string,
    input: { name: string; spec: Record<string, unknown> },
    principal: Principal,
  ): Promise<Resource>;
  requestRun(
    kind: string,
    id: string,
    request: { target: string; reason?: string },
    principal: Principal,
  ): Promise<Run>;
  patch(kind: string, id: string, spec: Record<string, unknown>, principal: Principal): Promise<Resource>;
}

/**
 * One kind's rule about another kind's specs, checked at create and patch after the schema
 * (a cluster's `spec.service` must name a service, by name or id; a service's port must be free).
 * It refuses by throwing a `SlipwayError`; it may answer the spec as it should be stored
 * (a service named by id is stored by name).
 */
export interface SpecGuard {
  /** `<owner kind>.<purpose>`. */
  name: string;
  kind: string;
  check(input: {
    spec: Record<string, unknown>;
    /** The resource patched, or null at create. */
    resource: Resource | null;
    principal: Principal;
    actions: GuardActions;
  }): Promise<Record<string, unknown> | undefined>;
  /**
   * After the write is stored (and its references confirmed): what the guard does because of it
   * (create the service a cluster names). Here, not in `check`, so a write refused for its own
   * sake (a taken name, a withdrawn reference) leaves nothing behind.
   */
  afterWrite?(input: {
    /** As stored. */
    resource: Resource;
    /** Before the patch, or null at create. */
    previous: Resource | null;
    principal: Principal;
    actions: GuardActions;
  }): Promise<void>;
}

/**
 * One kind's rule about runs of another kind, checked when the run is requested, before it is
 * stored (a frozen service refuses its clusters' promotes). Refuses by throwing a `SlipwayError`.
 */
export interface RunGuard {
  name: string;
  kind: string;
  /** The targets it looks at; every target when left out. */
  targets?: readonly string[];
  check(input: {
    resource: Resource;
    request: { target: string; reason: string | null; force: boolean };
    principal: Principal;
  }): Promise<void>;
}

/** Registration problems of guards: each must name a registered kind. */
export function guardProblems(
  guards: readonly (SpecGuard | RunGuard)[],
  kinds: ReadonlySet<string>,
): string[] {
  return guards
    .filter((guard) => !kinds.has(guard.kind))
    .map((guard) => `guard "${guard.name}" guards kind "${guard.kind}", which is not registered`);
}
