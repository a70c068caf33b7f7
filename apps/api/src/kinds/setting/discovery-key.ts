/** `SLIPWAY_SERVICE_<NAME>_URL`: the service name upper-cased, `-` as `_`. */
export function discoveryKey(service: string): string {
  return `SLIPWAY_SERVICE_${service.toUpperCase().replaceAll('-', '_')}_URL`;
}

/**
 * The name of the setting discovery publishes for a service in an environment. Dots are not in
 * the names a request may give (resource-schemas.ts), so no user setting can take it first, and
 * service and environment names hold none, so no two pairs share it.
 */
export function discoveryName(service: string, environment: string): string {
  return `slipway.discovery.${service}.${environment}`;
}
