import { ERROR_CATALOG, type ErrorCode } from './error-catalog';

/** A failure the caller can act on: a stable code from the catalog and a message saying what to fix. */
export class SlipwayError extends Error {
  override readonly name = 'SlipwayError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = ERROR_CATALOG[code].status;
  }
}

export function isSlipwayError(error: unknown): error is SlipwayError {
  return error instanceof SlipwayError;
}
