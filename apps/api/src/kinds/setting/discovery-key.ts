/** `SLIPWAY_SERVICE_<NAME>_URL`: the service name upper-cased, `-` as `_`. */
export function discoveryKey(service: string): string {
  return `SLIPWAY_SERVICE_${service.toUpperCase().replaceAll('-', '_')}_URL`;
}

/** The name of the setting discovery publishes for a service in an environment. */
export function discoveryName(service: string, environment: string): string {
  return `discovery-${service}-${environment}`.slice(0, 128);
}
