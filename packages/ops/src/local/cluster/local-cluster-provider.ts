import { resolve } from 'node:path';
import type { ClusterSpec, clusterKind, ProviderFor, Resource } from '@slipway/domain';
import { clusterPaths, isSafeServiceName } from './cluster-paths';
import type { ClusterSettings } from './cluster-settings';
import { destroyCluster, removeCluster } from './destroy-cluster';
import { launchCluster } from './launch-cluster';
import { type ClusterObservation, observeCluster } from './observe-cluster';
import { promoteCluster, undoPromote } from './promote-cluster';
import { stopBalancer } from './stop-balancer';
import { verifyCluster } from './verify-cluster';

export type { BalancerObservation, ClusterObservation, InstanceObservation } from './observe-cluster';

export interface LocalClusterProviderOptions {
  /** Cluster files under `<dataDir>/clusters/<id>/`, balancers under `<dataDir>/services/<service>/`. */
  dataDir: string;
  /** Reads the cluster's image (its built path, start command and version). */
  getResource(id: string): Promise<Resource | null>;
  /** Between SIGTERM and SIGKILL when stopping instances or a balancer; default 5000. */
  killGraceMs?: number;
  /** How long instances and balancers get to open their ports; default 20000. */
  startTimeoutMs?: number;
  /** Address balancers listen on; default 127.0.0.1. */
  balancerHost?: string;
  /** What a relative dataDir resolves against; default `process.cwd()`. */
  cwd?: string;
}

export interface LocalClusterProvider extends ProviderFor<typeof clusterKind> {
  /** A cheap live view for GET: instances (pid, port, running) and the service's balancer. */
  observe(cluster: Resource<ClusterSpec>): Promise<ClusterObservation>;
  /**
   * Stops a service's balancer (tearing down a test or bench). A cluster's destroy never does: the
   * balancer is the service's, stopped when the service is destroyed.
   */
  stopBalancer(service: string): Promise<{ stopped: number[] }>;
}

/**
 * Clusters on this machine: each instance a detached process group running the image's start
 * command on its own port; each service a detached reverse proxy swapped between clusters.
 * Everything outlives the API and is found again through the files under the data directory.
 */
const SERVICE_ID = /^[0-9A-Z]{26}$/;

export function localClusterProvider(options: LocalClusterProviderOptions): LocalClusterProvider {
  const settings: ClusterSettings = {
    dataDir: resolve(options.cwd ?? process.cwd(), options.dataDir),
    getResource: options.getResource,
    killGraceMs: options.killGraceMs ?? 5000,
    startTimeoutMs: options.startTimeoutMs ?? 20_000,
    balancerHost: options.balancerHost ?? '127.0.0.1',
  };
  return {
    backend: 'local',
    steps: {
      launch: (context) => launchCluster(context, settings),
      verify: (context) => verifyCluster(context, settings),
      promote: (context) => promoteCluster(context, settings),
      destroy: (context) => destroyCluster(context, settings),
    },
    async cleanup(context) {
      if (context.step === 'launch') {
        const outcome = await removeCluster(
          context,
          clusterPaths(settings.dataDir, context.resource.id),
          settings,
        );
        if (!outcome.ok) throw new Error(outcome.error.message);
      } else if (context.step === 'promote') {
        // Traffic goes back where it was; nothing is stopped.
        await undoPromote(context, settings);
      }
      // verify changes nothing; a cancelled destroy leaves whatever is still up for the next destroy.
    },
    validateSpec(spec) {
      // The schema already holds; these names become directories, so they are checked again here.
      // A service's id is accepted too; the service module stores the cluster under the name.
      return isSafeServiceName(spec.service) || SERVICE_ID.test(spec.service)
        ? []
        : [`spec.service ${JSON.stringify(spec.service)} cannot name a directory`];
    },
    observe: (cluster) => observeCluster(cluster, settings),
    stopBalancer: (service) => stopBalancer(service, settings),
  };
}
