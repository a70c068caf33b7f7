import { SlipwayError } from '../errors/slipway-error';
import { isoInstant } from '../model/iso-instant';

const HOUR_MS = 3_600_000;

/** The range a durations query reads: whole hours, the rollups' resolution (ISO instants). */
export interface HourWindow {
  /** `since` rounded down to its hour. */
  since?: string;
  /** `until` rounded up to the next whole hour (unchanged when it is one). */
  until?: string;
}

/**
 * Widens [since, until) to whole hours so that no bucket is cut: since rounds down, until up. An
 * unparseable instant, or a since not before until, is refused with `invalid_time_range`.
 */
export function hourWindow(since: string | undefined, until: string | undefined): HourWindow {
  const from = since === undefined ? undefined : Date.parse(isoInstant('since', since, 'invalid_time_range'));
  const to = until === undefined ? undefined : Date.parse(isoInstant('until', until, 'invalid_time_range'));
  if (from !== undefined && to !== undefined && from >= to) {
    throw new SlipwayError(
      'invalid_time_range',
      `\`since\` (${since}) must be before \`until\` (${until}); the window is [since, until).`,
      { since, until },
    );
  }
  return {
    ...(from === undefined ? {} : { since: new Date(Math.floor(from / HOUR_MS) * HOUR_MS).toISOString() }),
    ...(to === undefined ? {} : { until: new Date(Math.ceil(to / HOUR_MS) * HOUR_MS).toISOString() }),
  };
}
