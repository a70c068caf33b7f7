/**
 * The one catalog of error codes. Codes are stable API: scripts branch on them.
 *
 * `request`: a request is refused with it (a `SlipwayError`; the API answers it as a problem, with
 * the HTTP status the API layer maps it to in apps/api/src/http/problem-status.ts).
 * `run`: a run or step ends with it (`run.error.code`, the `error` of the failing transition),
 * whether the engine or a provider's step reports it. A code may be both.
 * Transport details (statuses, Retry-After) are not the domain's: they live with the API.
 */
export const ERROR_CATALOG = {
  validation_failed: { title: 'The request is not valid', request: true },
  invalid_spec: { title: 'The resource spec is not usable', request: true },
  invalid_target: { title: 'That target state cannot be requested', request: true },
  reason_required: { title: 'A reason is required', request: true },
  invalid_cursor: { title: 'The pagination cursor is not valid', request: true },
  invalid_if_match: { title: 'The If-Match header is not valid', request: true },
  unauthorized: { title: 'Authentication required', request: true },
  forbidden: { title: 'Permission denied', request: true },
  too_many_failed_authentications: {
    title: 'Too many failed authentications from this client address',
    request: true,
  },
  route_not_found: { title: 'No such route', request: true },
  kind_not_found: { title: 'No such resource kind', request: true },
  resource_not_found: { title: 'No such resource', request: true },
  run_not_found: { title: 'No such run', request: true },
  method_not_allowed: { title: 'Method not allowed', request: true },
  not_acceptable: { title: 'Not acceptable', request: true },
  // As a run error: another run took a resource this run depends on first.
  run_conflict: { title: 'The resource already has an active run', request: true, run: true },
  name_taken: { title: 'The name is already in use', request: true },
  unreachable_target: {
    title: 'The target state cannot be reached from the current state',
    request: true,
    run: true,
  },
  already_in_target: { title: 'The resource is already in the target state', request: true },
  run_finished: { title: 'The run has already finished', request: true },
  not_editable: { title: 'The spec cannot be changed in this state', request: true },
  force_required: { title: 'The request needs force (and a reason) from this state', request: true },
  action_not_allowed: { title: 'The action cannot run in the current state', request: true, run: true },
  // As a run error: the run would end a resource that others still reference.
  resource_in_use: { title: 'Other resources still use this one', request: true, run: true },
  version_conflict: { title: 'The resource changed concurrently', request: true },
  idempotency_in_progress: {
    title: 'A request with this Idempotency-Key is still in progress',
    request: true,
  },
  precondition_failed: { title: 'If-Match does not match the current ETag', request: true },
  payload_too_large: { title: 'Request body too large', request: true },
  unsupported_media_type: { title: 'Unsupported media type', request: true },
  idempotency_key_reused: { title: 'The Idempotency-Key was used for a different request', request: true },
  service_unavailable: { title: 'A backend is unavailable', request: true },
  queue_unavailable: { title: 'The run queue is unavailable', request: true },
  internal_error: { title: 'Internal error', request: true },
  reserved_key: { title: 'The setting key is reserved for Slipway', request: true },
  version_not_found: { title: 'The setting has no such version', request: true },
  // As a run error: a pinned or applied secret cannot be decrypted with the configured keys.
  secret_unreadable: {
    title: 'A secret cannot be decrypted with SLIPWAY_SECRET_KEY or SLIPWAY_SECRET_KEY_PREVIOUS',
    request: true,
    run: true,
  },
  // Services: the front door's port, the deploy freeze, and what a cluster needs of its service.
  port_taken: { title: 'The port is held by Slipway itself or by another service', request: true },
  service_frozen: {
    title: 'The service is frozen: its clusters cannot be promoted',
    request: true,
    run: true,
  },
  service_has_live_cluster: {
    title: 'The service has a live cluster (destroying it needs force and a reason)',
    request: true,
    run: true,
  },
  service_not_active: { title: 'The service is not active', request: true, run: true },

  // The engine's reasons for ending a run.
  attempts_exhausted: {
    title: 'A step was started as often as the attempt limit allows and never finished',
    run: true,
  },
  provider_error: { title: 'The provider step threw instead of answering', run: true },
  no_provider: { title: 'No provider implements the step', run: true },
  hook_failed: { title: "Another kind's hook on the step threw instead of answering", run: true },
  instant_run_failed: {
    title: 'A change recorded at once (a freeze, an adoption) could not be recorded; nothing changed',
    run: true,
  },
  resource_missing: { title: 'The resource of the run is gone', run: true },
  unknown_action: { title: 'The kind has no such action', run: true },
  executor_error: {
    title: 'The walk failed for a reason outside the provider (a bug, a store error)',
    run: true,
  },
  cancelled: { title: 'The step stopped because the run was cancelled', run: true },
  aborted: { title: 'The step stopped because its signal was aborted', run: true },

  // What the providers' steps report.
  source_missing: { title: 'The image source does not exist', run: true },
  source_not_allowed: { title: 'The image source is outside the allowed roots', run: true },
  copy_failed: { title: 'The image source could not be copied', run: true },
  build_failed: { title: 'The build command failed', run: true },
  build_timeout: { title: 'The build command outlived its timeout', run: true },
  destroy_failed: { title: 'The image could not be removed', run: true },
  base_image_missing: { title: 'The base AMI of an EC2 image does not exist', run: true },
  aws_error: { title: 'An AWS call failed', run: true },
  aws_not_configured: { title: 'The EC2 provider has no AWS configuration on this server', run: true },
  image_not_ready: { title: 'The cluster image is not built', run: true },
  launch_failed: { title: 'The cluster instances did not start', run: true },
  not_launched: { title: 'The cluster has no instances recorded', run: true },
  instances_not_ready: { title: 'The cluster instances are not all answering', run: true },
  verification_failed: { title: 'A verification check failed', run: true },
  balancer_start_failed: { title: 'The service balancer did not start', run: true },
  balancer_swap_failed: { title: 'The service balancer did not take the new upstreams', run: true },
  // Analytics: a groupBy or filter dimension the kinds in the query do not declare.
  dimension_not_applicable: { title: 'That dimension does not apply to this kind', request: true },
  invalid_time_range: { title: 'The time range is not valid', request: true },
  settings_unresolved: {
    title: "The settings for the cluster's environment and service could not be read",
    run: true,
  },
  discovery_failed: { title: "The service's endpoint could not be published or withdrawn", run: true },
} as const satisfies Record<string, { title: string; request?: true; run?: true }>;

type Catalog = typeof ERROR_CATALOG;

/** Every code in the catalog. */
export type CatalogCode = keyof Catalog;

/** A code a request is refused with (`SlipwayError.code`). */
export type ErrorCode = { [K in CatalogCode]: Catalog[K] extends { request: true } ? K : never }[CatalogCode];

/** A code a run or step ends with (`failed(code, …)`, `run.error.code`). */
export type RunErrorCode = { [K in CatalogCode]: Catalog[K] extends { run: true } ? K : never }[CatalogCode];

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOG, code) && 'request' in ERROR_CATALOG[code as CatalogCode];
}

export function isRunErrorCode(code: string): code is RunErrorCode {
  return Object.hasOwn(ERROR_CATALOG, code) && 'run' in ERROR_CATALOG[code as CatalogCode];
}
