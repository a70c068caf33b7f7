/** The exit code of a process stopped at a fault point, so a test can tell it from a real failure. */
export const FAULT_EXIT_CODE = 86;

export type FaultPoint =
  | 'mongo:after-append'
  | 'mongo:prune-mid-delete'
  | 'mongo:prune-before-hint'
  | 'mongo:before-rollup-delta'
  | 'mongo:after-rollup-deltas';

/**
 * A named place where a crash test makes the process die, exactly there: when SLIPWAY_FAULT names
 * it, the process exits at once, running nothing after (as kill -9 would). Honoured only with
 * `NODE_ENV=test`, like the step (`step:`) and HTTP (`http:`) fault points.
 */
export function faultPoint(name: FaultPoint): void {
  if (process.env.NODE_ENV === 'test' && process.env.SLIPWAY_FAULT === name) process.exit(FAULT_EXIT_CODE);
}
