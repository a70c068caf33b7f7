import {
  type DurationStats,
  type DurationsReport,
  factOfRun,
  factOfTransition,
  RELATIVE_ERROR,
  type RollupFact,
  type Run,
  recoveryFactOfRun,
  type Transition,
} from '@slipway/domain';
import type { RecordVisitor } from '@slipway/persistence/testing/raw-scan';

/** Exact durations of one series, as a scan collects them: nothing is sorted until the end. */
interface Series {
  durations: number[];
  failures: number;
  sumMs: number;
  maxMs: number;
}

interface GroupScan {
  runs: Series;
  steps: Map<string, Series>;
  firstFailureMs: number;
  lastFailureMs: number;
  recoveries: number;
  recoverySumMs: number;
}

/** The figures a durations report holds, per group, computed exactly from every raw record. */
export interface ScannedGroup {
  runs: DurationStats;
  steps: Map<string, DurationStats>;
  meanTimeBetweenFailuresMs: number | null;
  meanTimeToRecoveryMs: number | null;
  recoveries: number;
}

function emptySeries(): Series {
  return { durations: [], failures: 0, sumMs: 0, maxMs: 0 };
}

function add(series: Series, fact: RollupFact): void {
  series.durations.push(fact.durationMs);
  series.sumMs += fact.durationMs;
  if (fact.durationMs > series.maxMs) series.maxMs = fact.durationMs;
  if (fact.outcome === 'failed') series.failures++;
}

/** Nearest rank, as the rollups answer: the ⌈q·n⌉-th smallest. */
function statsOfSeries(series: Series): DurationStats {
  const sorted = Float64Array.from(series.durations).sort();
  const n = sorted.length;
  const rank = (q: number) => sorted[Math.max(1, Math.ceil(q * n)) - 1]!;
  return {
    count: n,
    failures: series.failures,
    failureRate: series.failures / n,
    meanMs: series.sumMs / n,
    p50Ms: rank(0.5),
    p90Ms: rank(0.9),
    p95Ms: rank(0.95),
    p99Ms: rank(0.99),
    maxMs: series.maxMs,
  };
}

/**
 * The baseline: what the durations query answers for one kind and target grouped by one dimension,
 * from one pass over the runs and one over the transitions, each fact appended to its series once.
 */
export class DurationsScan implements RecordVisitor {
  private readonly groups = new Map<string, GroupScan>();

  constructor(private readonly query: { target: string; groupBy: string }) {}

  run(run: Run): void {
    const fact = factOfRun(run);
    if (!fact || fact.target !== this.query.target) return;
    const group = this.groupOf(fact);
    add(group.runs, fact);
    if (fact.outcome === 'failed') {
      const at = Date.parse(fact.at);
      if (at < group.firstFailureMs) group.firstFailureMs = at;
      if (at > group.lastFailureMs) group.lastFailureMs = at;
    }
    const recovery = recoveryFactOfRun(run);
    if (recovery) {
      group.recoveries++;
      group.recoverySumMs += recovery.durationMs;
    }
  }

  transition(transition: Transition): void {
    const fact = factOfTransition(transition);
    if (!fact || fact.target !== this.query.target) return;
    const group = this.groupOf(fact);
    let series = group.steps.get(fact.step);
    if (!series) {
      series = emptySeries();
      group.steps.set(fact.step, series);
    }
    add(series, fact);
  }

  result(): Map<string, ScannedGroup> {
    return new Map(
      [...this.groups].map(([name, group]) => [
        name,
        {
          runs: statsOfSeries(group.runs),
          steps: new Map([...group.steps].map(([step, series]) => [step, statsOfSeries(series)])),
          meanTimeBetweenFailuresMs:
            group.runs.failures >= 2
              ? (group.lastFailureMs - group.firstFailureMs) / (group.runs.failures - 1)
              : null,
          meanTimeToRecoveryMs: group.recoveries === 0 ? null : group.recoverySumMs / group.recoveries,
          recoveries: group.recoveries,
        },
      ]),
    );
  }

  private groupOf(fact: RollupFact): GroupScan {
    const name = fact.groups[this.query.groupBy] ?? '(none)';
    let group = this.groups.get(name);
    if (!group) {
      group = {
        runs: emptySeries(),
        steps: new Map(),
        firstFailureMs: Number.POSITIVE_INFINITY,
        lastFailureMs: Number.NEGATIVE_INFINITY,
        recoveries: 0,
        recoverySumMs: 0,
      };
      this.groups.set(name, group);
    }
    return group;
  }
}

function close(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
}

function compareStats(where: string, rollup: DurationStats, exact: DurationStats, problems: string[]): void {
  for (const field of ['count', 'failures', 'maxMs'] as const) {
    if (rollup[field] !== exact[field])
      problems.push(`${where} ${field}: ${rollup[field]} vs ${exact[field]}`);
  }
  for (const field of ['failureRate', 'meanMs'] as const) {
    if (!close(rollup[field], exact[field]))
      problems.push(`${where} ${field}: ${rollup[field]} vs ${exact[field]}`);
  }
  for (const field of ['p50Ms', 'p90Ms', 'p95Ms', 'p99Ms'] as const) {
    const [value, truth] = [rollup[field], exact[field]];
    // The report rounds to hundredths of a millisecond.
    if (value === null || truth === null || Math.abs(value - truth) > RELATIVE_ERROR * truth + 0.005) {
      problems.push(
        `${where} ${field}: ${value} vs ${truth}, beyond the histogram's ${RELATIVE_ERROR * 100} %`,
      );
    }
  }
}

function sameNames(
  where: string,
  rollup: Iterable<string>,
  exact: Iterable<string>,
  problems: string[],
): void {
  const [a, b] = [new Set(rollup), new Set(exact)];
  for (const name of a) if (!b.has(name)) problems.push(`${where}: "${name}" only in the rollups`);
  for (const name of b) if (!a.has(name)) problems.push(`${where}: "${name}" only in the scan`);
}

/** Every figure of the report against the scan, groups and steps both ways; the disagreements. */
export function disagreements(report: DurationsReport, scan: Map<string, ScannedGroup>): string[] {
  const problems: string[] = [];
  sameNames(
    'groups',
    report.groups.map((group) => group.group),
    scan.keys(),
    problems,
  );
  for (const group of report.groups) {
    const exact = scan.get(group.group);
    if (!exact) continue;
    compareStats(`${group.group} runs`, group.runs, exact.runs, problems);
    sameNames(`${group.group} steps`, Object.keys(group.steps), exact.steps.keys(), problems);
    for (const [step, stats] of Object.entries(group.steps)) {
      const truth = exact.steps.get(step);
      if (truth) compareStats(`${group.group} step ${step}`, stats, truth, problems);
    }
    if (!close(group.meanTimeBetweenFailuresMs, exact.meanTimeBetweenFailuresMs)) {
      problems.push(
        `${group.group} MTBF: ${group.meanTimeBetweenFailuresMs} vs ${exact.meanTimeBetweenFailuresMs}`,
      );
    }
    if (
      !close(group.meanTimeToRecoveryMs, exact.meanTimeToRecoveryMs) ||
      group.recoveries !== exact.recoveries
    ) {
      problems.push(
        `${group.group} recovery: ${group.meanTimeToRecoveryMs} (${group.recoveries}) vs ${exact.meanTimeToRecoveryMs} (${exact.recoveries})`,
      );
    }
  }
  return problems;
}
