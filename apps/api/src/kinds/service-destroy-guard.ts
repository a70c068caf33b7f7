import {
  failed,
  type Resource,
  type ResourceStore,
  type RunGuard,
  type RunStore,
  SlipwayError,
  type StepHook,
  serviceKind,
  succeeded,
} from '@slipway/domain';
import { clustersOf, promoteInFlight } from './service-lookup';

type Store = ResourceStore & Pick<RunStore, 'getRun'>;

/**
 * Why a service may not be destroyed now, or null. A cluster on its way to live refuses even a
 * forced destroy: its promote would finish behind a stopped front door and leave a live cluster
 * on a destroyed service. A live cluster refuses unless `force` (with the reason every destroy
 * needs) says to stop its traffic.
 */
export async function destroyRefusal(
  store: Store,
  service: Resource,
  force: boolean,
): Promise<SlipwayError | null> {
  const promoting = await promoteInFlight(store, service.name);
  if (promoting) {
    const { cluster, runId } = promoting;
    return new SlipwayError(
      'run_conflict',
      `Cluster ${cluster.id} of service ${service.name} is being promoted${runId ? ` (run ${runId})` : ''}; wait for that run to end (or cancel it), then destroy the service.`,
      { activeRunId: runId, cluster: cluster.id },
    );
  }
  const { live } = await clustersOf(store, service.name);
  if (live && !force) {
    return new SlipwayError(
      'service_has_live_cluster',
      `Cluster ${live.id} of service ${service.name} is live; destroy it first, or set "force": true (with the reason) to stop the service's traffic anyway.`,
      { liveCluster: live.id },
    );
  }
  return null;
}

/** At request time: the destroy is refused (409) before anything is stored. */
export function destroyGuard(store: Store): RunGuard {
  return {
    name: 'service.destroy',
    kind: serviceKind.name,
    targets: ['destroyed'],
    async check({ resource, request }) {
      const refusal = await destroyRefusal(store, resource, request.force);
      if (refusal) throw refusal;
    },
  };
}

/**
 * Again as the destroy step starts: a promote admitted after the request was checked (before
 * this run was stored, so the promote guard did not see it) fails the destroy before the balancer
 * is touched, so traffic keeps flowing; provisioning the service again makes it active.
 */
export function destroyRecheckHook(store: Store): StepHook {
  return {
    name: 'service.destroy-recheck',
    kind: serviceKind.name,
    step: 'destroy',
    phase: 'before',
    async run(context) {
      const refusal = await destroyRefusal(store, context.resource, context.run.force);
      if (!refusal) return succeeded({});
      const code = refusal.code === 'run_conflict' ? 'run_conflict' : 'service_has_live_cluster';
      return failed(
        code,
        `${refusal.message} Nothing was stopped: run the service to "active" to take it back.`,
      );
    },
  };
}
