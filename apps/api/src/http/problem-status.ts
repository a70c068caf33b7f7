import type { ErrorCode } from '@slipway/domain';

/**
 * The API's mapping of the one error catalog (packages/domain/src/errors/error-catalog.ts) onto
 * HTTP: the status each request code is answered with, and for a refusal worth retrying soon, the
 * `Retry-After` sent with it. `satisfies Record<ErrorCode, …>` makes a code without a status (or a
 * status for a code the catalog lacks) a compile error; problem-status.test.ts checks it again at
 * run time, as the catalog is also read by scripts.
 */
export const PROBLEM_STATUS = {
  validation_failed: { status: 400 },
  invalid_spec: { status: 400 },
  invalid_target: { status: 400 },
  reason_required: { status: 400 },
  invalid_cursor: { status: 400 },
  invalid_if_match: { status: 400 },
  unauthorized: { status: 401 },
  forbidden: { status: 403 },
  too_many_failed_authentications: { status: 429 },
  route_not_found: { status: 404 },
  kind_not_found: { status: 404 },
  resource_not_found: { status: 404 },
  run_not_found: { status: 404 },
  method_not_allowed: { status: 405 },
  not_acceptable: { status: 406 },
  run_conflict: { status: 409 },
  name_taken: { status: 409 },
  unreachable_target: { status: 409 },
  already_in_target: { status: 409 },
  run_finished: { status: 409 },
  not_editable: { status: 409 },
  force_required: { status: 409 },
  action_not_allowed: { status: 409 },
  resource_in_use: { status: 409 },
  version_conflict: { status: 409 },
  idempotency_in_progress: { status: 409 },
  precondition_failed: { status: 412 },
  payload_too_large: { status: 413 },
  unsupported_media_type: { status: 415 },
  idempotency_key_reused: { status: 422 },
  internal_error: { status: 500 },
  service_unavailable: { status: 503 },
  queue_unavailable: { status: 503, retryAfterSeconds: 5 },
  dimension_not_applicable: { status: 400 },
  invalid_time_range: { status: 400 },
  reserved_key: { status: 400 },
  version_not_found: { status: 404 },
  secret_unreadable: { status: 503 },
  port_taken: { status: 409 },
  service_frozen: { status: 409 },
  service_has_live_cluster: { status: 409 },
  service_not_active: { status: 409 },
} as const satisfies Record<ErrorCode, { status: number; retryAfterSeconds?: number }>;

export interface ProblemStatus {
  status: number;
  retryAfterSeconds?: number;
}

export function problemStatusOf(code: ErrorCode): ProblemStatus {
  return PROBLEM_STATUS[code];
}
