import { type GraphEdge, type MachineGraph, PROVIDER_EVENTS } from './machine-graph';

/**
 * The shortest path from `from` to `to`, assuming every provider step succeeds.
 * Edges fired by a request (BUILD, DESTROY, ...) and SUCCESS are walkable; FAILURE and CANCEL are not
 * plans, and internal edges (DEMOTE, VERIFY) are the engine's own. Returns null when the target cannot be reached, [] when already there.
 */
export function planPath(graph: MachineGraph, from: string, to: string): GraphEdge[] | null {
  if (from === to) return [];
  const walkable = graph.edges.filter(
    (edge) =>
      !edge.internal &&
      (edge.event === 'SUCCESS' || !PROVIDER_EVENTS.includes(edge.event as (typeof PROVIDER_EVENTS)[number])),
  );
  const cameFrom = new Map<string, GraphEdge>();
  const queue = [from];
  const seen = new Set([from]);
  while (queue.length > 0) {
    const state = queue.shift()!;
    for (const edge of walkable) {
      if (edge.from !== state || seen.has(edge.to)) continue;
      seen.add(edge.to);
      cameFrom.set(edge.to, edge);
      if (edge.to === to) return unwind(cameFrom, from, to);
      queue.push(edge.to);
    }
  }
  return null;
}

function unwind(cameFrom: Map<string, GraphEdge>, from: string, to: string): GraphEdge[] {
  const path: GraphEdge[] = [];
  let cursor = to;
  while (cursor !== from) {
    const edge = cameFrom.get(cursor)!;
    path.unshift(edge);
    cursor = edge.from;
  }
  return path;
}

/**
 * The path of a run that re-enters the state it starts in through `event` (a setting applying a
 * new version): that event's edge, then the shortest way back. Null when the state has no such edge.
 */
export function planReentry(graph: MachineGraph, state: string, event: string): GraphEdge[] | null {
  const first = graph.edges.find((edge) => edge.from === state && edge.event === event && !edge.internal);
  if (!first) return null;
  const back = planPath(graph, first.to, state);
  return back ? [first, ...back] : null;
}
