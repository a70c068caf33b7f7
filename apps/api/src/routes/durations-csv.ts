import type { DurationStats, DurationsReport } from '@slipway/domain';

const COLUMNS = [
  'count',
  'failures',
  'failureRate',
  'meanMs',
  'p50Ms',
  'p90Ms',
  'p95Ms',
  'p99Ms',
  'maxMs',
] as const;

/** One row per group and series (`run` or `step:<name>`), for spreadsheets and plotting scripts. */
export function durationsCsv(report: DurationsReport): string {
  const lines = [
    ['group', 'series', ...COLUMNS, 'meanTimeBetweenFailuresMs', 'meanTimeToRecoveryMs'].join(','),
  ];
  for (const group of report.groups) {
    lines.push(
      row(group.group, 'run', group.runs, [group.meanTimeBetweenFailuresMs, group.meanTimeToRecoveryMs]),
    );
    for (const [step, stats] of Object.entries(group.steps)) {
      lines.push(row(group.group, `step:${step}`, stats, [null, null]));
    }
  }
  return `${lines.join('\n')}\n`;
}

function row(group: string, series: string, stats: DurationStats, extra: (number | null)[]): string {
  return [
    field(group),
    field(series),
    ...COLUMNS.map((column) => cell(stats[column])),
    ...extra.map(cell),
  ].join(',');
}

function cell(value: number | null): string {
  return value === null ? '' : String(value);
}

/** RFC 4180 quoting, and a leading = + - @ neutralised so a spreadsheet never runs a cell as a formula. */
function field(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
