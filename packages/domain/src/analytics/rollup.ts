import { isTerminalRunStatus, type Run } from '../model/run';
import type { Transition } from '../model/transition';
import { addToBins, type Bins, mergeBins } from './histogram';

/** One duration to roll up: a finished run, or a provider step that answered. */
export interface RollupFact {
  kind: string;
  target: string;
  /** The step, or '' for the run as a whole. */
  step: string;
  outcome: string;
  groups: Record<string, string>;
  /** When it ended (ISO). */
  at: string;
  durationMs: number;
}

/**
 * A histogram of the facts sharing (hour, kind, target, step, outcome, groups). Counts, sums, the
 * maximum and the first/last end time are exact; percentiles come from `bins`.
 */
export interface RollupBucket {
  /** `YYYY-MM-DDTHH`, UTC. */
  hour: string;
  kind: string;
  target: string;
  step: string;
  outcome: string;
  groups: Record<string, string>;
  count: number;
  sumMs: number;
  maxMs: number;
  firstAt: string;
  lastAt: string;
  bins: Bins;
}

/** The target as rollups and transitions name it: an action run is `action:<name>`. */
export function runTargetLabel(run: Pick<Run, 'target' | 'action'>): string {
  return run.action ? `action:${run.action}` : run.target;
}

export function factOfRun(run: Run): RollupFact | null {
  if (!isTerminalRunStatus(run.status) || run.finishedAt === null || run.durationMs === null) return null;
  return {
    kind: run.kind,
    target: runTargetLabel(run),
    step: '',
    outcome: run.status,
    groups: run.groups ?? {},
    at: run.finishedAt,
    durationMs: Math.max(0, run.durationMs),
  };
}

/** A succeeded run that ended an outage: the time from its first failure to this recovery. */
export function recoveryFactOfRun(run: Run): RollupFact | null {
  if (run.status !== 'succeeded' || !run.failingSince || run.finishedAt === null) return null;
  return {
    kind: run.kind,
    target: runTargetLabel(run),
    step: '',
    outcome: RECOVERED,
    groups: run.groups ?? {},
    at: run.finishedAt,
    durationMs: Math.max(0, Date.parse(run.finishedAt) - Date.parse(run.failingSince)),
  };
}

/** The outcome of recovery facts: kept apart from the run outcomes they would otherwise count as. */
export const RECOVERED = 'recovered';

export function factOfTransition(transition: Transition): RollupFact | null {
  if (!transition.step || transition.outcome === 'requested') return null;
  return {
    kind: transition.kind,
    target: transition.target,
    step: transition.step,
    outcome: transition.outcome,
    groups: transition.groups ?? {},
    at: transition.endedAt,
    durationMs: Math.max(0, transition.durationMs),
  };
}

export function hourOf(at: string): string {
  return at.slice(0, 13);
}

/** Sorted by dimension name, so the same groups always give the same key. */
export function canonicalGroups(groups: Record<string, string>): string {
  return JSON.stringify(Object.entries(groups).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The bucket's identity; starts with the hour so keys sort by time. */
export function bucketKeyOf(
  fact: Pick<RollupFact, 'kind' | 'target' | 'step' | 'outcome' | 'groups'> & { hour: string },
): string {
  return JSON.stringify([
    fact.hour,
    fact.kind,
    fact.target,
    fact.step,
    fact.outcome,
    canonicalGroups(fact.groups),
  ]);
}

export function bucketKeyOfFact(fact: RollupFact): string {
  return bucketKeyOf({ ...fact, hour: hourOf(fact.at) });
}

export function emptyBucketFor(fact: RollupFact): RollupBucket {
  return {
    hour: hourOf(fact.at),
    kind: fact.kind,
    target: fact.target,
    step: fact.step,
    outcome: fact.outcome,
    groups: { ...fact.groups },
    count: 0,
    sumMs: 0,
    maxMs: 0,
    firstAt: fact.at,
    lastAt: fact.at,
    bins: {},
  };
}

/** Adds the fact to its bucket in place (the bucket must be the fact's). */
export function addFact(bucket: RollupBucket, fact: RollupFact): RollupBucket {
  bucket.count += 1;
  bucket.sumMs += fact.durationMs;
  bucket.maxMs = Math.max(bucket.maxMs, fact.durationMs);
  if (fact.at < bucket.firstAt) bucket.firstAt = fact.at;
  if (fact.at > bucket.lastAt) bucket.lastAt = fact.at;
  addToBins(bucket.bins, fact.durationMs);
  return bucket;
}

/** Adds `from` into `into` in place; both describe the same key or the caller is grouping. */
export function mergeBucket(into: RollupBucket, from: RollupBucket): RollupBucket {
  if (into.count === 0) {
    into.firstAt = from.firstAt;
    into.lastAt = from.lastAt;
  } else if (from.count > 0) {
    if (from.firstAt < into.firstAt) into.firstAt = from.firstAt;
    if (from.lastAt > into.lastAt) into.lastAt = from.lastAt;
  }
  into.count += from.count;
  into.sumMs += from.sumMs;
  into.maxMs = Math.max(into.maxMs, from.maxMs);
  mergeBins(into.bins, from.bins);
  return into;
}

/** Folds facts into buckets, by key. */
export function bucketsOfFacts(
  facts: Iterable<RollupFact>,
  into = new Map<string, RollupBucket>(),
): Map<string, RollupBucket> {
  for (const fact of facts) {
    const key = bucketKeyOfFact(fact);
    const bucket = into.get(key) ?? emptyBucketFor(fact);
    into.set(key, addFact(bucket, fact));
  }
  return into;
}
