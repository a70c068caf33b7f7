import { isoInstant, type Run, type RunQuery, runTargetLabel } from '@slipway/domain';
import { queryShape } from './cursor';

export function normalizeRunQuery(query: RunQuery): RunQuery {
  return {
    ...query,
    since: query.since === undefined ? undefined : isoInstant('since', query.since),
    until: query.until === undefined ? undefined : isoInstant('until', query.until),
  };
}

export function emptyRunTimeRange(query: RunQuery): boolean {
  return query.since !== undefined && query.until !== undefined && query.since >= query.until;
}

/** Expects a query from `normalizeRunQuery`. */
export function runMatches(query: RunQuery, run: Run): boolean {
  return (
    (query.kind === undefined || run.kind === query.kind) &&
    (query.resourceId === undefined || run.resourceId === query.resourceId) &&
    (query.status === undefined || run.status === query.status) &&
    (query.target === undefined || runTargetLabel(run) === query.target) &&
    (query.actor === undefined || run.requestedBy === query.actor) &&
    (query.since === undefined || run.createdAt >= query.since) &&
    (query.until === undefined || run.createdAt < query.until)
  );
}

export function runQueryShape(query: RunQuery): string {
  return queryShape('runs', [
    query.kind ?? null,
    query.resourceId ?? null,
    query.status ?? null,
    query.target ?? null,
    query.actor ?? null,
    query.since ?? null,
    query.until ?? null,
    query.order ?? 'desc',
  ]);
}
