import { mermaidDiagram } from '../engine/machine-graph';
import type { RegisteredKind } from './kind-registry';

export interface KindDescription {
  name: string;
  plural: string;
  title: string;
  description: string;
  initialState: string;
  states: {
    name: string;
    step: string | null;
    final: boolean;
    requestable: boolean;
    description: string | null;
  }[];
  transitions: { from: string; to: string; event: string; internal: boolean }[];
  steps: string[];
  targets: { state: string; description: string; reasonRequired: boolean; forceFrom: string[] }[];
  actions: { name: string; event: string; step: string; allowedIn: string[]; description: string }[];
  permissions: string[];
  editableIn: string[];
  mermaid: string;
  specSchema: Record<string, unknown>;
}

/** The API documents its own state machines from the same declaration the engine walks. */
export function describeKind({ definition, graph }: RegisteredKind): KindDescription {
  return {
    name: definition.name,
    plural: definition.plural,
    title: definition.title,
    description: definition.description,
    initialState: graph.initial,
    states: graph.states.map((state) => ({
      ...state,
      requestable: state.name in definition.targets,
      description: definition.targets[state.name]?.description ?? null,
    })),
    transitions: graph.edges,
    steps: graph.states.flatMap((state) => (state.step ? [state.step] : [])),
    targets: Object.entries(definition.targets).map(([state, target]) => ({
      state,
      description: target.description,
      reasonRequired: target.reasonRequired ?? false,
      forceFrom: [...(target.forceFrom ?? [])],
    })),
    actions: Object.entries(definition.actions ?? {}).map(([name, action]) => ({
      name,
      event: action.event,
      step: action.step,
      allowedIn: [...action.allowedIn],
      description: action.description,
    })),
    permissions: ['read', 'write', 'transition'].map((verb) => `${definition.name}:${verb}`),
    editableIn: [...definition.editableIn],
    mermaid: mermaidDiagram(graph),
    specSchema: JSON.parse(JSON.stringify(definition.spec)) as Record<string, unknown>,
  };
}
