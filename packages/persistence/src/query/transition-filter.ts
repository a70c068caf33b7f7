import { isoInstant, type Transition, type TransitionQuery } from '@slipway/domain';
import { queryShape } from './cursor';

/**
 * Stored `endedAt` values are `Date#toISOString()` strings, so time bounds compare as strings once
 * they are written the same way; a bound with an offset or without milliseconds is rewritten.
 */
export function normalizeTransitionQuery(query: TransitionQuery): TransitionQuery {
  return {
    ...query,
    since: query.since === undefined ? undefined : isoInstant('since', query.since),
    until: query.until === undefined ? undefined : isoInstant('until', query.until),
  };
}

/** True when since/until leave no room for any transition. */
export function emptyTimeRange(query: TransitionQuery): boolean {
  return query.since !== undefined && query.until !== undefined && query.since >= query.until;
}

/** Expects a query from `normalizeTransitionQuery`. */
export function transitionMatches(query: TransitionQuery, transition: Transition): boolean {
  return (
    (query.kind === undefined || transition.kind === query.kind) &&
    (query.resourceId === undefined || transition.resourceId === query.resourceId) &&
    (query.runId === undefined || transition.runId === query.runId) &&
    (query.actor === undefined || transition.actor === query.actor) &&
    (query.outcome === undefined || transition.outcome === query.outcome) &&
    (query.event === undefined || transition.event === query.event) &&
    (query.to === undefined || transition.to === query.to) &&
    groupsMatch(query.groups, transition.groups) &&
    (query.since === undefined || transition.endedAt >= query.since) &&
    (query.until === undefined || transition.endedAt < query.until)
  );
}

/** Expects a query from `normalizeTransitionQuery`. */
export function transitionQueryShape(query: TransitionQuery): string {
  return queryShape('transitions', [
    query.kind ?? null,
    query.resourceId ?? null,
    query.runId ?? null,
    query.actor ?? null,
    query.outcome ?? null,
    query.since ?? null,
    query.until ?? null,
    // Added later: left out when unset, so cursors issued before they existed stay valid.
    ...(query.event === undefined &&
    query.to === undefined &&
    query.groups === undefined &&
    query.order !== 'desc'
      ? []
      : [query.event ?? null, query.to ?? null, sortedGroups(query.groups), query.order ?? 'asc']),
  ]);
}

/** Every dimension asked for must be one the record carries, with the same value. */
export function groupsMatch(
  wanted: Record<string, string> | undefined,
  groups: Record<string, string> | undefined,
): boolean {
  return wanted === undefined || Object.entries(wanted).every(([name, value]) => groups?.[name] === value);
}

export function sortedGroups(groups: Record<string, string> | undefined): [string, string][] | null {
  return groups === undefined
    ? null
    : Object.entries(groups).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
