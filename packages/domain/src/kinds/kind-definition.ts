import type { Static, TObject } from 'typebox';
import type { AnyStateMachine } from 'xstate';

/** What a requestable target state means and what a request for it needs. */
export interface TargetDefinition {
  description: string;
  /** Destroying and similar irreversible targets need a reason for the audit trail. */
  reasonRequired?: boolean;
  /** From these states the target is refused (409) unless the request sets `force` (with a reason). */
  forceFrom?: readonly string[];
  /**
   * A run to this target may start in the target itself, re-entering it through this request
   * event (a setting applies a new version: `active → applying → active`). Without it such a
   * request is refused as `already_in_target`.
   */
  reentry?: string;
}

/**
 * At most one resource per group may be in `state`: entering it displaces the current holder
 * with `displaceEvent`, recorded in the same run (a promoted cluster moves the live one to standby).
 */
export interface ExclusiveState {
  state: string;
  /** The spec field whose value names the group (a cluster's `service`). */
  groupField: string;
  displaceEvent: string;
}

/** A spec field holding the id of another resource, which must exist in one of `states`. */
export interface SpecReference {
  field: string;
  kind: string;
  states: readonly string[];
}

/**
 * An operation on a resource that runs a provider step without changing its state (re-verifying
 * a live cluster). It runs as a run, holds the one-active-run lock, and is recorded as a
 * self-transition with `event`, so its result is on the audit trail.
 */
export interface ActionDefinition<Step extends string = string> {
  event: string;
  step: Step;
  allowedIn: readonly string[];
  summary: string;
  description: string;
}

/**
 * Everything Slipway knows about a kind, declared once. The service, the routes, the OpenAPI
 * schemas and the store mapping are all derived from this.
 *
 * The machine's working states carry `meta: { step: '<providerMethod>' }`; entering such a state
 * calls that provider step, which answers `SUCCESS` or `FAILURE`. `CANCEL` leaves a working state
 * after an aborted step has been cleaned up.
 */
export interface KindDefinition<Spec extends TObject = TObject, Step extends string = string> {
  /** Singular name, used in permissions (`image:read`) and transition records. */
  name: string;
  /** Plural name, used in URLs (`/v1/images`). */
  plural: string;
  title: string;
  description: string;
  spec: Spec;
  specExample: Static<Spec>;
  /**
   * The provider steps, as a literal list: every `meta.step` of the machine and every action's
   * step names one of them, and a provider of the kind implements exactly these
   * (`ProviderFor<typeof kind>`). Type the machine's meta with `StepMeta` so a typo in a state's
   * step fails to compile; `bindingProblems` checks the rest at start.
   */
  steps: readonly Step[];
  machine: AnyStateMachine;
  /** Stable states a run may name as its target. */
  targets: Record<string, TargetDefinition>;
  /** States in which `PATCH` may change the spec (labels can always change). */
  editableIn: readonly string[];
  /** Events only the engine fires (displacements, actions): never part of a planned path. */
  internalEvents?: readonly string[];
  exclusive?: ExclusiveState;
  references?: readonly SpecReference[];
  /** Each becomes `POST /v1/{plural}/{id}/{action}`. */
  actions?: Record<string, ActionDefinition<Step>>;
  analytics?: KindAnalytics;
}

/** A dimension analytics can filter and group a kind's runs by, read from the spec. */
export interface AnalyticsDimension {
  /** Dot path into the spec (`provider.type`). */
  field: string;
  /** Used when the spec leaves the field out. */
  default?: string;
}

/**
 * How a kind shows up in deploy-time analytics. Every kind's runs and steps are rolled up whatever it
 * declares; this adds what only the kind knows: which target is the duration people ask about and
 * which spec fields group its runs.
 */
export interface KindAnalytics {
  /** The target whose run duration is the headline figure, and its name (`live`: "deploy time"). */
  headline?: { target: string; label: string };
  /** Dimension name → where the spec holds it (`service` → `service`, `provider` → `provider.type`). */
  groupBy?: Record<string, AnalyticsDimension>;
}

/** What a working state's `meta` may hold: the name of one of the kind's steps. */
export interface StepMeta<Step extends string> {
  step?: Step;
}

type IsAny<T> = 0 extends 1 & T ? true : false;
type MetaOf<M> = M extends { root: { meta?: infer Meta } } ? Meta : never;
/** The steps a machine's typed state meta allows; none known for an untyped machine. */
type StepsNamedBy<M> =
  IsAny<MetaOf<M>> extends true
    ? never
    : MetaOf<M> extends { step?: infer S }
      ? IsAny<S> extends true
        ? never
        : Exclude<S, undefined>
      : never;

/**
 * A machine whose state meta is typed `StepMeta<…>` (xstate `setup({ types: { meta } })`) may
 * name only the kind's steps. An untyped machine passes here and is checked at start instead.
 */
export type NamesOnly<M, Step extends string> = [Exclude<StepsNamedBy<M>, Step>] extends [never]
  ? unknown
  : { stepsTheKindDoesNotDeclare: Exclude<StepsNamedBy<M>, Step> };

/** Any kind, whatever its spec and steps: what registries and the engine hold. */
export type AnyKindDefinition = KindDefinition<TObject, string>;

/**
 * Declares a kind. `steps` is inferred as a literal union, and the machine and actions are
 * checked against it rather than widening it, so a misspelt step fails to compile.
 */
export function defineKind<Spec extends TObject, const Step extends string, M extends AnyStateMachine>(
  definition: Omit<KindDefinition<Spec, Step>, 'machine' | 'actions'> & {
    machine: M & NamesOnly<M, NoInfer<Step>>;
    actions?: Record<string, ActionDefinition<NoInfer<Step>>>;
  },
): KindDefinition<Spec, Step> {
  return definition;
}

/** The spec a resource of the kind holds: `Static<>` of its schema, the one source of the type. */
export type SpecOf<K> = K extends KindDefinition<infer S, string> ? Static<S> : never;

/** The kind's step names as a literal union (`'build' | 'destroy'`). */
export type StepOf<K> = K extends KindDefinition<TObject, infer S> ? S : never;
