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
    csvField(group),
    csvField(series),
    ...COLUMNS.map((column) => cell(stats[column])),
    ...extra.map(cell),
  ].join(',');
}

function cell(value: number | null): string {
  return value === null ? '' : String(value);
}

/**
 * RFC 4180 quoting, and a leading = + - @ tab or carriage return neutralised (OWASP's list) so a
 * spreadsheet never runs a cell as a formula.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
