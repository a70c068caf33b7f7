import type { ErrorCode } from './error-catalog';

/**
 * A failure the caller can act on: a stable code from the catalog and a message saying what to fix.
 * How it travels (an HTTP status, a header) is the API layer's mapping, not the error's.
 */
export class SlipwayError extends Error {
  override readonly name = 'SlipwayError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function isSlipwayError(error: unknown): error is SlipwayError {
  return error instanceof SlipwayError;
}
