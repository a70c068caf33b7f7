import { quantileOfBins } from '../analytics/histogram';
import { hourWindow } from '../analytics/hour-window';
import { hourOf, mergeBucket, RECOVERED, type RollupBucket } from '../analytics/rollup';
import { SlipwayError } from '../errors/slipway-error';
import type { KindRegistry, RegisteredKind } from '../kinds/kind-registry';
import { hasPermission, type Principal } from '../model/principal';
import type { AnalyticsStore } from '../ports/analytics-store';

/** Groupings every kind has; the rest are the dimensions kinds declare (`KindAnalytics.groupBy`). */
export const BUILT_IN_GROUPINGS = ['day', 'week', 'target'] as const;

export interface DurationsQuery {
  kind?: string;
  /** Defaults to the kind's headline target (`live` for clusters) when a kind is given. */
  target?: string;
  /** Declared dimensions to filter by (`{ service: 'web-production' }`). */
  groups?: Record<string, string>;
  /** ISO; widened to whole hours, the rollups' resolution: since rounds down, until up (`hourWindow`). */
  since?: string;
  until?: string;
  groupBy?: string;
}

export interface DurationStats {
  count: number;
  failures: number;
  failureRate: number;
  meanMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface DurationsGroup {
  /** The group's value (a day, a week's Monday, a target, a service…), or `all`. */
  group: string;
  runs: DurationStats;
  /** Per provider step. */
  steps: Record<string, DurationStats>;
  /** Mean time between consecutive failed runs in the group; null below two failures. */
  meanTimeBetweenFailuresMs: number | null;
  /** Mean time from a resource's first failed run to its next successful run to the same target. */
  meanTimeToRecoveryMs: number | null;
  recoveries: number;
}

export interface DurationsReport {
  kind: string | null;
  target: string | null;
  /** What `kind`'s target measures (`deploy time`), when the kind declares it. */
  measures: string | null;
  groupBy: string | null;
  /** The window read, in whole hours: `since` rounded down, `until` rounded up. */
  since: string | null;
  until: string | null;
  groups: DurationsGroup[];
}

/** Deploy-time analytics from the write-time rollups: the cost is the buckets in range. */
export class AnalyticsReads {
  constructor(private readonly options: { store: AnalyticsStore; kinds: KindRegistry }) {}

  /** Every dimension some registered kind declares: what the API offers as filters. */
  declaredDimensions(): string[] {
    return [
      ...new Set(
        this.options.kinds.all().flatMap((kind) => Object.keys(kind.definition.analytics?.groupBy ?? {})),
      ),
    ].sort();
  }

  async durations(query: DurationsQuery, principal: Principal): Promise<DurationsReport> {
    const kinds = this.kindsIn(query, principal);
    const applicable = applicableGroupings(kinds);
    if (query.groupBy !== undefined && !applicable.includes(query.groupBy)) {
      throw notApplicable('groupBy', query.groupBy, query.kind, applicable);
    }
    for (const name of Object.keys(query.groups ?? {})) {
      if (!applicable.includes(name) || (BUILT_IN_GROUPINGS as readonly string[]).includes(name)) {
        throw notApplicable(
          'filter',
          name,
          query.kind,
          applicable.filter((g) => !(BUILT_IN_GROUPINGS as readonly string[]).includes(g)),
        );
      }
    }
    const headline = query.kind === undefined ? undefined : kinds[0]?.definition.analytics?.headline;
    const target = query.target ?? headline?.target;
    const { since, until } = hourWindow(query.since, query.until);
    const buckets = await this.options.store.listRollupBuckets({
      ...(query.kind === undefined ? {} : { kind: query.kind }),
      ...(target === undefined ? {} : { target }),
      ...(since === undefined ? {} : { sinceHour: hourOf(since) }),
      ...(until === undefined ? {} : { untilHour: hourOf(until) }),
      resolution: 'coarsest',
    });
    const wanted = Object.entries(query.groups ?? {});
    const grouped = new Map<string, RollupBucket[]>();
    for (const bucket of buckets) {
      if (!wanted.every(([name, value]) => bucket.groups[name] === value)) continue;
      const group = groupOf(bucket, query.groupBy);
      const members = grouped.get(group);
      if (members) members.push(bucket);
      else grouped.set(group, [bucket]);
    }
    return {
      kind: query.kind ?? null,
      target: target ?? null,
      measures: headline && headline.target === target ? headline.label : null,
      groupBy: query.groupBy ?? null,
      since: since ?? null,
      until: until ?? null,
      groups: [...grouped]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([group, members]) => summarize(group, members)),
    };
  }

  private kindsIn(query: DurationsQuery, principal: Principal): RegisteredKind[] {
    const { kinds } = this.options;
    if (query.kind !== undefined) {
      const kind = kinds.get(query.kind);
      requireRead(principal, [kind]);
      return [kind];
    }
    requireRead(principal, kinds.all());
    return kinds.all();
  }
}

function requireRead(principal: Principal, kinds: readonly RegisteredKind[]): void {
  for (const kind of kinds) {
    const permission = `${kind.definition.name}:read`;
    if (!hasPermission(principal, permission)) {
      throw new SlipwayError(
        'forbidden',
        `This needs the "${permission}" permission; filter by a kind you may read.`,
      );
    }
  }
}

function applicableGroupings(kinds: readonly RegisteredKind[]): string[] {
  const declared = new Set(kinds.flatMap((kind) => Object.keys(kind.definition.analytics?.groupBy ?? {})));
  return [...BUILT_IN_GROUPINGS, ...[...declared].sort()];
}

function notApplicable(
  what: 'groupBy' | 'filter',
  name: string,
  kind: string | undefined,
  applicable: readonly string[],
): SlipwayError {
  const scope = kind === undefined ? 'the registered kinds' : `kind "${kind}"`;
  return new SlipwayError(
    'dimension_not_applicable',
    what === 'groupBy'
      ? `groupBy=${name} does not apply to ${scope}; use one of: ${applicable.join(', ')}.`
      : `The filter "${name}" does not apply to ${scope}; ${applicable.length > 0 ? `filter by one of: ${applicable.join(', ')}` : 'it declares no dimensions to filter by'}.`,
    { [what]: name, applicable: [...applicable] },
  );
}

function groupOf(bucket: RollupBucket, groupBy: string | undefined): string {
  if (groupBy === undefined) return 'all';
  if (groupBy === 'day') return bucket.hour.slice(0, 10);
  if (groupBy === 'week') return mondayOf(bucket.hour.slice(0, 10));
  if (groupBy === 'target') return bucket.target;
  return bucket.groups[groupBy] ?? '(none)';
}

/** The Monday (UTC) that starts the ISO week of `day`. */
function mondayOf(day: string): string {
  const date = new Date(`${day}T00:00:00.000Z`);
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  return new Date(date.getTime() - sinceMonday * 86_400_000).toISOString().slice(0, 10);
}

function summarize(group: string, buckets: readonly RollupBucket[]): DurationsGroup {
  const runs = buckets.filter((bucket) => bucket.step === '' && bucket.outcome !== RECOVERED);
  const recoveries = buckets.filter((bucket) => bucket.outcome === RECOVERED);
  const recovered = recoveries.reduce((sum, bucket) => sum + bucket.count, 0);
  const steps = new Map<string, RollupBucket[]>();
  for (const bucket of buckets) {
    if (bucket.step === '') continue;
    const members = steps.get(bucket.step);
    if (members) members.push(bucket);
    else steps.set(bucket.step, [bucket]);
  }
  const failed = runs.filter((bucket) => bucket.outcome === 'failed');
  const failures = failed.reduce((sum, bucket) => sum + bucket.count, 0);
  let mtbf: number | null = null;
  if (failures >= 2) {
    // ISO instants: as numbers, the earliest first end and the latest last end of the failures.
    const first = Math.min(...failed.map((bucket) => Date.parse(bucket.firstAt)));
    const last = Math.max(...failed.map((bucket) => Date.parse(bucket.lastAt)));
    mtbf = (last - first) / (failures - 1);
  }
  return {
    group,
    runs: statsOf(runs),
    steps: Object.fromEntries(
      [...steps].sort(([a], [b]) => (a < b ? -1 : 1)).map(([step, members]) => [step, statsOf(members)]),
    ),
    meanTimeBetweenFailuresMs: mtbf,
    meanTimeToRecoveryMs:
      recovered === 0 ? null : recoveries.reduce((sum, bucket) => sum + bucket.sumMs, 0) / recovered,
    recoveries: recovered,
  };
}

export function statsOf(buckets: readonly RollupBucket[]): DurationStats {
  const merged = buckets.reduce<RollupBucket | null>(
    (into, bucket) =>
      into
        ? mergeBucket(into, bucket)
        : mergeBucket({ ...bucket, bins: {}, count: 0, sumMs: 0, maxMs: 0 }, bucket),
    null,
  );
  const failures = buckets
    .filter((bucket) => bucket.outcome === 'failed')
    .reduce((sum, bucket) => sum + bucket.count, 0);
  if (!merged || merged.count === 0) {
    return {
      count: 0,
      failures: 0,
      failureRate: 0,
      meanMs: null,
      p50Ms: null,
      p90Ms: null,
      p95Ms: null,
      p99Ms: null,
      maxMs: null,
    };
  }
  const quantile = (q: number) => round(quantileOfBins(merged.bins, q, merged.maxMs));
  return {
    count: merged.count,
    failures,
    failureRate: failures / merged.count,
    meanMs: merged.sumMs / merged.count,
    p50Ms: quantile(0.5),
    p90Ms: quantile(0.9),
    p95Ms: quantile(0.95),
    p99Ms: quantile(0.99),
    maxMs: merged.maxMs,
  };
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}
