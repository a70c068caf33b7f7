import type { Static, TObject } from 'typebox';
import type { AnyStateMachine } from 'xstate';

/** What a requestable target state means and what a request for it needs. */
export interface TargetDefinition {
  description: string;
  /** Destroying and similar irreversible targets need a reason for the audit trail. */
  reasonRequired?: boolean;
}

/**
 * Everything Slipway knows about a kind, declared once. The service, the routes, the OpenAPI
 * schemas and the store mapping are all derived from this.
 *
 * The machine's working states carry `meta: { step: '<providerMethod>' }`; entering such a state
 * calls that provider step, which answers `SUCCESS` or `FAILURE`. `CANCEL` leaves a working state
 * after an aborted step has been cleaned up.
 */
export interface KindDefinition<Spec extends TObject = TObject> {
  /** Singular name, used in permissions (`image:read`) and transition records. */
  name: string;
  /** Plural name, used in URLs (`/v1/images`). */
  plural: string;
  title: string;
  description: string;
  spec: Spec;
  specExample: Static<Spec>;
  machine: AnyStateMachine;
  /** Stable states a run may name as its target. */
  targets: Record<string, TargetDefinition>;
  /** States in which `PATCH` may change the spec (labels can always change). */
  editableIn: readonly string[];
}

export function defineKind<Spec extends TObject>(definition: KindDefinition<Spec>): KindDefinition<Spec> {
  return definition;
}

export type SpecOf<K> = K extends KindDefinition<infer S> ? Static<S> : never;
