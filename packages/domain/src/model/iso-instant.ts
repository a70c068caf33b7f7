import type { ErrorCode } from '../errors/error-catalog';
import { SlipwayError } from '../errors/slipway-error';

/**
 * RFC 3339 date-time, as the API's `format: date-time` reads it. The zone is required so that no
 * instant depends on the server's own; Date.parse alone would take "1" (the year 2001, local time).
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** `value` as a normalized ISO instant (UTC, milliseconds), or a 400 that names the parameter. */
export function isoInstant(name: string, value: string, code: ErrorCode = 'validation_failed'): string {
  const match = DATE_TIME.exec(value);
  const ms = match ? Date.parse(value) : Number.NaN;
  if (!match || Number.isNaN(ms) || !dayExists(Number(match[1]), Number(match[2]), Number(match[3]))) {
    throw new SlipwayError(
      code,
      `\`${name}\` must be an ISO 8601 timestamp such as 2030-01-31T12:00:00Z; got "${value}".`,
      { [name]: value },
    );
  }
  return new Date(ms).toISOString();
}

/** Date.parse rolls 2030-02-30 over into March instead of refusing it. */
function dayExists(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
