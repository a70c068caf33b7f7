import type { ClusterSpec, Resource } from '@slipway/domain';
import { type StepContextFixture, stepContext } from '../step-context';

const STATE_OF_STEP: Record<string, string> = {
  launch: 'launching',
  verify: 'verifying',
  promote: 'promoting',
  destroy: 'destroying',
};

/** A cluster resource and a step context for calling the cluster provider's steps directly. */
export function clusterContext(
  id: string,
  spec: ClusterSpec,
  step: string,
  overrides: { attempt?: number; signal?: AbortSignal; state?: string } = {},
): StepContextFixture<ClusterSpec> {
  const context = stepContext(spec, { id, step, attempt: overrides.attempt, signal: overrides.signal });
  const resource: Resource<ClusterSpec> = {
    ...context.resource,
    kind: 'cluster',
    state: overrides.state ?? STATE_OF_STEP[step] ?? 'pending',
  };
  return { ...context, resource, run: { ...context.run, kind: 'cluster' } };
}
