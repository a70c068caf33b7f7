import type { Resource, ServiceSpec } from '@slipway/domain';
import {
  type LocalServiceProvider,
  localServiceProvider,
  type ServiceClusters,
} from '../../../src/local/service/local-service-provider';
import { type StepContextFixture, stepContext } from '../step-context';

const STATE_OF_STEP: Record<string, string> = {
  provision: 'provisioning',
  verify: 'active',
  repair: 'active',
  destroy: 'destroying',
};

/** A service resource named `name` and a step context for calling the service provider directly. */
export function serviceContext(
  name: string,
  spec: ServiceSpec,
  step: string,
  overrides: { signal?: AbortSignal } = {},
): StepContextFixture<ServiceSpec> {
  const context = stepContext(spec, { id: `svc-${name}`, step, signal: overrides.signal });
  const resource: Resource<ServiceSpec> = {
    ...context.resource,
    kind: 'service',
    name,
    state: STATE_OF_STEP[step] ?? 'pending',
  };
  return { ...context, resource, run: { ...context.run, kind: 'service' } };
}

/** A service provider over `dataDir` whose store knows the clusters `clusters` answers. */
export function testServiceProvider(
  dataDir: string,
  clusters: (service: string) => Promise<ServiceClusters> = async () => ({ live: null, standby: [] }),
): LocalServiceProvider {
  return localServiceProvider({ dataDir, clustersOf: clusters, killGraceMs: 1000, startTimeoutMs: 5000 });
}

/**
 * Provisions the service's balancer the way the service kind does, so a cluster of it can be
 * promoted: the cluster provider only swaps the upstreams of a balancer the service owns.
 */
export async function provisionService(dataDir: string, name: string, port?: number): Promise<string> {
  const spec: ServiceSpec = port === undefined ? {} : { provider: { type: 'local', port } };
  const context = serviceContext(name, spec, 'provision');
  const outcome = await testServiceProvider(dataDir).steps.provision(context);
  if (!outcome.ok)
    throw new Error(`${outcome.error.code}: ${outcome.error.message}\n${context.lines.join('\n')}`);
  return String(outcome.outputs.url);
}
