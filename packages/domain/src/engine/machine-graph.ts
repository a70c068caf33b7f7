import type { AnyStateMachine, AnyStateNode } from 'xstate';

export interface GraphState {
  name: string;
  /** Provider step called when the resource enters this state; null for stable states. */
  step: string | null;
  /**
   * No way out: an xstate final state, or one whose only transitions are engine-only events back
   * to itself (a deleted setting's re-encryption), which ends a resource's life all the same.
   */
  final: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  event: string;
  /** Fired by the engine itself (a displacement, an action), never by a planned path. */
  internal: boolean;
}

export interface MachineGraph {
  initial: string;
  states: GraphState[];
  edges: GraphEdge[];
}

/** Events a provider answers with; every other event is one a run request may fire. */
export const PROVIDER_EVENTS = ['SUCCESS', 'FAILURE', 'CANCEL'] as const;

function stepOf(node: AnyStateNode): string | null {
  const meta: unknown = node.meta;
  if (meta && typeof meta === 'object' && 'step' in meta && typeof meta.step === 'string') return meta.step;
  return null;
}

/** Reads the flat state graph of a provisioner machine (provisioners have no nested states). */
export function machineGraph(machine: AnyStateMachine, internalEvents: readonly string[] = []): MachineGraph {
  const states: GraphState[] = [];
  const edges: GraphEdge[] = [];
  for (const [name, node] of Object.entries(machine.root.states)) {
    const own: GraphEdge[] = [];
    for (const [event, definitions] of node.transitions) {
      for (const definition of definitions) {
        for (const target of definition.target ?? [])
          own.push({ from: name, to: target.key, event, internal: internalEvents.includes(event) });
      }
    }
    const leadsNowhere = own.length > 0 && own.every((edge) => edge.internal && edge.to === name);
    states.push({ name, step: stepOf(node), final: node.type === 'final' || leadsNowhere });
    edges.push(...own);
  }
  const initial = machine.root.initial?.target[0]?.key;
  if (!initial) throw new Error(`machine ${machine.id} has no initial state`);
  return { initial, states, edges };
}

export function mermaidDiagram(graph: MachineGraph): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${graph.initial}`];
  for (const edge of graph.edges) lines.push(`  ${edge.from} --> ${edge.to}: ${edge.event}`);
  for (const state of graph.states) {
    if (state.final) lines.push(`  ${state.name} --> [*]`);
    if (state.step) lines.push(`  ${state.name}: ${state.name} (step ${state.step})`);
  }
  return lines.join('\n');
}
