import {
  type AnyKindDefinition,
  bindKind,
  type CollectionDeclaration,
  type KindBinding,
  type KindCollections,
  type NoExtraSteps,
  type Principal,
  type ProviderFor,
  type RegisteredKind,
  type Resource,
  type ResourceService,
  type ResourceStore,
  type Run,
  type RunGuard,
  type RunStore,
  type SpecGuard,
  type StepHook,
} from '@slipway/domain';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import type { SlipwayConfig } from '../config';
import type { OwnPorts } from '../own-ports';

/** What a backend's provider factory is given at start. */
export interface BackendEnvironment {
  config: SlipwayConfig;
  /** What relative paths in the config resolve against; the process's by default. */
  cwd: string | undefined;
  /** For providers that read other resources (a cluster reads its image), and guards that read runs. */
  store: ResourceStore & Pick<RunStore, 'getRun'>;
  /** The store's kind-owned collections: a module opens the ones it declared (a setting's versions). */
  collections: KindCollections;
  /** The ports Slipway itself listens on, as bound (a service's port must not be one of them). */
  ownPorts: OwnPorts;
  /** A line for the operator at start (stderr), for what they must know once (a generated key). */
  notice(line: string): void;
  /**
   * For a hook that moves a resource of its own kind inside another kind's step (discovery
   * publishes a setting as a cluster goes live): the run is stored, then walked here and now by
   * this process's walker, so it is on the audit trail like any run, and resumed by recovery
   * after a crash.
   */
  runs: {
    start(run: Run): Promise<void>;
    walk(runId: string, signal: AbortSignal): Promise<Run | null>;
    /**
     * Ends a run started here that turned out not to be needed, before anything walked it: it
     * ends `cancelled` with no transition (nothing changed). False when a walk took it first.
     */
    dropQueued(runId: string, why: string): Promise<boolean>;
    newId(): string;
  };
}

/** What start-up reconciliation is given: it runs in the API process once runs are recovered. */
export interface ReconcileContext {
  store: ResourceStore & RunStore;
  /** For what reconciliation creates or sets going (a migration creating resources and their runs). */
  service: ResourceService;
  log(details: Record<string, unknown>, message: string): void;
}

/** One backend of a kind: its provider and, optionally, what it brings back in line at start. */
export interface Backend<K extends AnyKindDefinition> {
  provider: ProviderFor<K>;
  /**
   * Points the real world at the store again after a restart (a live service's balancer at its
   * live cluster). Reports per resource through `log` and throws only for what should stop the
   * API from starting.
   */
  reconcile?(context: ReconcileContext): Promise<void>;
}

/** What a kind's extra routes are given, beside the Fastify scope prefixed `/v1/{plural}`. */
export interface RouteContext {
  kind: RegisteredKind;
  service: ResourceService;
  /** Who sent the request, as authentication found it: pass it to the service, which checks permissions. */
  principalOf(request: FastifyRequest): Principal;
  /** The store's kind-owned collections, as the kind's backend got them. */
  collections: KindCollections;
}

/**
 * Top-level fields a kind's `PATCH /v1/{plural}/{id}` accepts beside `spec` and `labels` (a
 * service's `frozen` and `reason`): merged into the route's body schema (so into OpenAPI and the
 * typed client) and applied by the module. A PATCH carrying any of them carries no spec or labels.
 */
export interface PatchFields {
  /** Each an optional property of the PATCH body. */
  properties: Readonly<Record<string, TSchema>>;
  /** Added to the PATCH route's description. */
  description: string;
  /** Applies them, If-Match already checked (`expectedVersion`); answers the resource as it then is. */
  apply(input: {
    id: string;
    fields: Readonly<Record<string, unknown>>;
    expectedVersion: number | null;
    principal: Principal;
    service: ResourceService;
  }): Promise<Resource>;
}

/**
 * A kind as the one unit of extension: its definition (domain), a provider per backend (ops),
 * optional start-up reconciliation, and the extension points it plugs into. Listed once in
 * `KIND_MODULES` (./index.ts); nothing generic names a kind.
 */
export interface TypedKindModule<K extends AnyKindDefinition> {
  kind: K;
  /** By backend name (`local`, later `ec2`): builds the provider when the engine opens. */
  backends: Readonly<Record<string, (environment: BackendEnvironment) => Backend<K>>>;
  /**
   * Extra routes and actions beyond the generic ones (a setting's `versions`, `resolve`,
   * `rollback`; a service's `repair`), registered in a scope prefixed `/v1/{plural}`: the
   * authentication, problem and idempotency handling of every route apply.
   */
  routes?(scope: FastifyInstance, context: RouteContext): void;
  /** Fields of its own that the kind's generic PATCH accepts (a service's deploy freeze). */
  patch?: PatchFields;
  /** This module's code run in other kinds' steps (settings pinned when a cluster launches). */
  hooks?(environment: BackendEnvironment): readonly StepHook[];
  /**
   * This module's rules on specs and runs, its own kind's or another's (a cluster's service must
   * exist, a frozen service refuses promotes): checked by the service at request time.
   */
  guards?(environment: BackendEnvironment): { spec?: readonly SpecGuard[]; run?: readonly RunGuard[] };
  /** Collections the kind owns beside its resources (a setting's versions), through `KindCollections`. */
  collections?: readonly CollectionDeclaration[];
  /**
   * Runs once when the engine opens, in every process (the API and each worker), before any
   * backend starts: loads what the module needs and throws (a `ConfigError` naming the variable)
   * on configuration it cannot work with, so a bad key stops the process instead of failing runs.
   */
  prepare?(environment: BackendEnvironment): Promise<void>;
}

/** A started backend, bound to its kind. */
export interface BoundBackend {
  binding: KindBinding;
  reconcile?(context: ReconcileContext): Promise<void>;
}

/** A kind module as the composition root holds it, its provider type checked and erased. */
export interface KindModule {
  kind: AnyKindDefinition;
  backends: Readonly<Record<string, (environment: BackendEnvironment) => BoundBackend>>;
  routes?(scope: FastifyInstance, context: RouteContext): void;
  patch?: PatchFields;
  hooks?(environment: BackendEnvironment): readonly StepHook[];
  guards?(environment: BackendEnvironment): { spec?: readonly SpecGuard[]; run?: readonly RunGuard[] };
  collections?: readonly CollectionDeclaration[];
  prepare?(environment: BackendEnvironment): Promise<void>;
}

/** Declares a kind module: each backend's provider is checked against the kind's steps and spec. */
export function defineKindModule<K extends AnyKindDefinition>(module: TypedKindModule<K>): KindModule {
  const backends: Record<string, (environment: BackendEnvironment) => BoundBackend> = {};
  for (const [name, open] of Object.entries(module.backends)) {
    backends[name] = (environment) => {
      const { provider, reconcile } = open(environment);
      // Exclude<StepOf<K>, StepOf<K>> is empty, but only once K is known: the generic needs telling.
      const binding = bindKind(module.kind, provider as ProviderFor<K> & NoExtraSteps<K, ProviderFor<K>>);
      return reconcile ? { binding, reconcile: (context) => reconcile(context) } : { binding };
    };
  }
  return { ...module, backends };
}
