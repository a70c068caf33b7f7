import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ProviderFor, Resource, ServiceSpec, serviceKind } from '@slipway/domain';
import { balancerUrl, readBalancerRecord } from '../cluster/balancer-record';
import { isSafeServiceName, servicePaths } from '../cluster/cluster-paths';
import { messageOf } from '../cluster/cluster-settings';
import { liveBalancer, stopServiceBalancers } from '../cluster/service-balancer';
import { withServiceLock } from '../cluster/service-lock';
import { destroyService } from './destroy-service';
import { downInstances, isUnrecorded, liveUpstreams } from './live-upstreams';
import { observeService, type ServiceObservation } from './observe-service';
import { provisionService } from './provision-service';
import { repairBalancer } from './repair-balancer';
import { repairService } from './repair-service';
import type { ServiceClusters, ServiceSettings } from './service-settings';
import { verifyService } from './verify-service';

export type { ServiceObservation } from './observe-service';
export type { ServiceClusters } from './service-settings';

export interface LocalServiceProviderOptions {
  /** Balancers under `<dataDir>/services/<name>/`, where clusters find them. */
  dataDir: string;
  /** The service's live and standby clusters, from the store. */
  clustersOf(service: string): Promise<ServiceClusters>;
  /** Between SIGTERM and SIGKILL when stopping a balancer; default 5000. */
  killGraceMs?: number;
  /** How long a balancer gets to answer; default 20000. */
  startTimeoutMs?: number;
  /** Address balancers listen on; default 127.0.0.1. */
  balancerHost?: string;
  /** What a relative dataDir resolves against; default `process.cwd()`. */
  cwd?: string;
}

/** What an older Slipway left for a service its clusters named: a balancer record. */
export interface AdoptableBalancer {
  service: string;
  recordFile: string;
  url: string;
  port: number;
  pid: number;
  answering: boolean;
}

export interface BalancerRestore {
  service: string;
  ok: boolean;
  message: string;
}

export interface LocalServiceProvider extends ProviderFor<typeof serviceKind> {
  observe(service: Resource<ServiceSpec>): Promise<ServiceObservation>;
  /** The balancer records under the data directory, by service name: what a migration adopts. */
  adoptable(): Promise<AdoptableBalancer[]>;
  /**
   * For API start: the service's balancer runs on its port and points at its live cluster. Never
   * throws; the report says what happened.
   */
  restore(service: string): Promise<BalancerRestore>;
}

/** Services on this machine: each one a detached reverse proxy on its own port. */
export function localServiceProvider(options: LocalServiceProviderOptions): LocalServiceProvider {
  const settings: ServiceSettings = {
    dataDir: resolve(options.cwd ?? process.cwd(), options.dataDir),
    clustersOf: options.clustersOf,
    killGraceMs: options.killGraceMs ?? 5000,
    startTimeoutMs: options.startTimeoutMs ?? 20_000,
    balancerHost: options.balancerHost ?? '127.0.0.1',
  };
  return {
    backend: 'local',
    steps: {
      provision: (context) => provisionService(context, settings),
      verify: (context) => verifyService(context, settings),
      repair: (context) => repairService(context, settings),
      destroy: (context) => destroyService(context, settings),
    },
    async cleanup(context) {
      // A cancelled provision leaves no balancer and no record; the other steps keep what runs.
      if (context.step !== 'provision') return;
      const paths = servicePaths(settings.dataDir, context.resource.name);
      await withServiceLock(paths.serviceDir, async () => {
        await stopServiceBalancers(paths, settings.killGraceMs);
        await rm(paths.balancerFile, { force: true });
      });
    },
    validateSpec: () => [],
    observe: (service) => observeService(service, settings),
    async adoptable() {
      const names = await readdir(join(settings.dataDir, 'services')).catch(() => [] as string[]);
      const found: AdoptableBalancer[] = [];
      for (const name of names.filter(isSafeServiceName).sort()) {
        const paths = servicePaths(settings.dataDir, name);
        const record = await readBalancerRecord(paths.balancerFile).catch(() => null);
        if (!record) continue;
        found.push({
          service: name,
          recordFile: paths.balancerFile,
          url: balancerUrl(record),
          port: record.port,
          pid: record.pid,
          answering: (await liveBalancer(record, paths)) !== null,
        });
      }
      return found;
    },
    async restore(service) {
      const lines: string[] = [];
      try {
        await repairBalancer(service, settings, (line) => lines.push(line));
        // The balancer is back, but after a reboot the instances are not: say so rather than report
        // a service that answers 502.
        const live = await liveUpstreams(settings.dataDir, (await settings.clustersOf(service)).live);
        const down = live && !isUnrecorded(live) ? await downInstances(live) : [];
        if (live && down.length > 0) {
          lines.push(
            `instance(s) ${down.join(', ')} of ${live.clusterId} are not running: the service cannot answer until the cluster is relaunched`,
          );
        }
        return { service, ok: down.length === 0, message: lines.join('; ') };
      } catch (error) {
        return { service, ok: false, message: [...lines, messageOf(error)].join('; ') };
      }
    },
  };
}
