import { type ErrorCode, isSlipwayError, type SlipwayError } from '@slipway/domain';
import { expect } from 'vitest';

/** Awaits a promise that must reject with a SlipwayError of `code`; returns the error for more checks. */
export async function expectSlipwayError(promise: Promise<unknown>, code: ErrorCode): Promise<SlipwayError> {
  const outcome = await promise.then(
    (value) => ({ rejected: false as const, value }),
    (error: unknown) => ({ rejected: true as const, error }),
  );
  if (!outcome.rejected) throw new Error(`expected a SlipwayError "${code}", but the call resolved`);
  if (!isSlipwayError(outcome.error)) throw outcome.error;
  expect(outcome.error.code).toBe(code);
  return outcome.error;
}

export function slipwayCode(error: unknown): string | null {
  return isSlipwayError(error) ? error.code : null;
}
