import { type MachineGraph, machineGraph } from '../engine/machine-graph';
import { SlipwayError } from '../errors/slipway-error';
import type { KindDefinition } from './kind-definition';

export interface RegisteredKind {
  definition: KindDefinition;
  graph: MachineGraph;
  /** States with no way out: reaching one ends the resource's life and frees its name. */
  terminalStates: ReadonlySet<string>;
}

/** The kinds this installation serves, looked up by singular or plural name. */
export class KindRegistry {
  private readonly byName = new Map<string, RegisteredKind>();

  constructor(definitions: readonly KindDefinition[]) {
    for (const definition of definitions) {
      const graph = machineGraph(definition.machine, definition.internalEvents);
      const terminalStates = new Set(graph.states.filter((state) => state.final).map((state) => state.name));
      const entry = { definition, graph, terminalStates };
      this.byName.set(definition.name, entry);
    }
  }

  all(): RegisteredKind[] {
    return [...this.byName.values()];
  }

  get(name: string): RegisteredKind {
    const entry = this.byName.get(name);
    if (!entry) {
      throw new SlipwayError(
        'kind_not_found',
        `No kind "${name}". Known kinds: ${[...this.byName.keys()].join(', ')}.`,
      );
    }
    return entry;
  }
}
