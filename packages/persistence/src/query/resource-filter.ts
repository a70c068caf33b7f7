import type { Resource, ResourceQuery } from '@slipway/domain';
import { queryShape } from './cursor';

export function resourceMatches(query: ResourceQuery, resource: Resource): boolean {
  if (resource.kind !== query.kind) return false;
  if (query.state !== undefined && resource.state !== query.state) return false;
  if (query.excludeStates?.includes(resource.state)) return false;
  for (const [key, value] of Object.entries(query.labels ?? {})) {
    if (resource.labels[key] !== value) return false;
  }
  return true;
}

export function resourceQueryShape(query: ResourceQuery): string {
  // Labels are sorted so the same filter written in another order keeps its cursors valid.
  const labels = Object.entries(query.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const excluded =
    query.excludeStates === undefined || query.excludeStates.length === 0
      ? []
      : [[...query.excludeStates].sort()];
  return queryShape('resources', [query.kind, query.state ?? null, labels, ...excluded]);
}
