/**
 * The one catalog of error codes. Codes are stable API: scripts branch on them.
 * The HTTP status lives here too so the API layer never guesses, and for a refusal that is worth
 * retrying soon, the `Retry-After` the API sends with it.
 */
export const ERROR_CATALOG = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  invalid_spec: { status: 400, title: 'The resource spec is not usable' },
  invalid_target: { status: 400, title: 'That target state cannot be requested' },
  reason_required: { status: 400, title: 'A reason is required' },
  invalid_cursor: { status: 400, title: 'The pagination cursor is not valid' },
  invalid_if_match: { status: 400, title: 'The If-Match header is not valid' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Permission denied' },
  route_not_found: { status: 404, title: 'No such route' },
  kind_not_found: { status: 404, title: 'No such resource kind' },
  resource_not_found: { status: 404, title: 'No such resource' },
  run_not_found: { status: 404, title: 'No such run' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  not_acceptable: { status: 406, title: 'Not acceptable' },
  run_conflict: { status: 409, title: 'The resource already has an active run' },
  name_taken: { status: 409, title: 'The name is already in use' },
  unreachable_target: { status: 409, title: 'The target state cannot be reached from the current state' },
  already_in_target: { status: 409, title: 'The resource is already in the target state' },
  run_finished: { status: 409, title: 'The run has already finished' },
  not_editable: { status: 409, title: 'The spec cannot be changed in this state' },
  force_required: { status: 409, title: 'The request needs force (and a reason) from this state' },
  action_not_allowed: { status: 409, title: 'The action cannot run in the current state' },
  version_conflict: { status: 409, title: 'The resource changed concurrently' },
  idempotency_in_progress: { status: 409, title: 'A request with this Idempotency-Key is still in progress' },
  precondition_failed: { status: 412, title: 'If-Match does not match the current ETag' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  idempotency_key_reused: { status: 422, title: 'The Idempotency-Key was used for a different request' },
  service_unavailable: { status: 503, title: 'A backend is unavailable' },
  queue_unavailable: { status: 503, title: 'The run queue is unavailable', retryAfterSeconds: 5 },
  internal_error: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string; retryAfterSeconds?: number }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/**
 * Codes the engine ends a run with (`run.error.code`, and the `error` of the failing transition),
 * beside the codes a provider's own steps report. They are not HTTP answers: they say why a run
 * failed, and scripts branch on them too.
 */
export const RUN_ERROR_CATALOG = {
  attempts_exhausted: 'A step was started as often as the attempt limit allows and never finished.',
  provider_error: 'The provider step threw instead of answering.',
  no_provider: 'No provider implements the step.',
  holder_busy: 'The holder of the exclusive state has a run active.',
  resource_missing: 'The resource of the run is gone.',
  unreachable_target: 'No path leads from the current state to the target.',
  unknown_action: 'The kind has no such action.',
  action_not_allowed: 'The action cannot run in the current state.',
  executor_error: 'The walk failed for a reason outside the provider (a bug, a store error).',
} as const satisfies Record<string, string>;

export type RunErrorCode = keyof typeof RUN_ERROR_CATALOG;
