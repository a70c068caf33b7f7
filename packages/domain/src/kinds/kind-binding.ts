import { machineGraph } from '../engine/machine-graph';
import type { KindProvider, ProviderFor } from '../ports/provider';
import type { AnyKindDefinition, StepOf } from './kind-definition';

/** A kind with the provider that serves it on this installation's backend. */
export interface KindBinding {
  kind: AnyKindDefinition;
  provider: KindProvider;
}

/** Refuses, at compile time, steps the provider has beyond those its kind names. */
export type NoExtraSteps<K extends AnyKindDefinition, P extends { steps: object }> = {
  steps: { [S in Exclude<keyof P['steps'], StepOf<K>>]: never };
};

/**
 * Binds a provider to its kind. The provider must implement exactly the kind's steps, for its
 * spec type: a missing step, an unknown one or another kind's provider fails to compile. The
 * widening to the engine's untyped registry is sound because the engine hands a provider only
 * resources of its own kind, whose spec passed that kind's schema; `bindingProblems` checks at
 * start what the types cannot see (an untyped machine, a provider built at run time).
 */
export function bindKind<K extends AnyKindDefinition, P extends ProviderFor<K>>(
  kind: K,
  provider: P & NoExtraSteps<K, P>,
): KindBinding {
  return { kind, provider: provider as unknown as KindProvider };
}

const list = (names: Iterable<string>) => [...names].map((name) => `"${name}"`).join(', ') || 'none';

/**
 * What does not fit between a kind's machine, its declared steps, its actions and its provider.
 * Empty when every step a state or an action names is declared and implemented, and nothing else is.
 */
export function bindingProblems(binding: KindBinding): string[] {
  const { kind, provider } = binding;
  const name = kind.name;
  const declared = new Set(kind.steps);
  const named = new Set<string>();
  const problems: string[] = [];
  for (const state of machineGraph(kind.machine, kind.internalEvents).states) {
    if (!state.step) continue;
    named.add(state.step);
    if (!declared.has(state.step)) {
      problems.push(
        `${name}: state "${state.name}" names step "${state.step}", which the kind does not declare (steps: ${list(declared)})`,
      );
    }
  }
  for (const [action, definition] of Object.entries(kind.actions ?? {})) {
    named.add(definition.step);
    if (!declared.has(definition.step)) {
      problems.push(
        `${name}: action "${action}" names step "${definition.step}", which the kind does not declare (steps: ${list(declared)})`,
      );
    }
  }
  for (const step of declared) {
    if (!named.has(step))
      problems.push(`${name}: step "${step}" is declared but no state or action names it`);
  }
  const implemented = new Set(Object.keys(provider.steps));
  for (const step of named) {
    if (!implemented.has(step) || typeof provider.steps[step] !== 'function') {
      problems.push(`${name}: the ${provider.backend} provider does not implement step "${step}"`);
    }
  }
  for (const step of implemented) {
    if (!named.has(step)) {
      problems.push(
        `${name}: the ${provider.backend} provider implements step "${step}", which no state or action of the kind names`,
      );
    }
  }
  return problems;
}
