import {
  type ClusterSpec,
  type GuardActions,
  isTerminalRunStatus,
  listAllOfKind,
  type Principal,
  type Resource,
  type ResourceStore,
  type RunGuard,
  type RunStore,
  type ServiceSpec,
  SlipwayError,
  type SpecGuard,
  serviceKind,
} from '@slipway/domain';
import type { OwnPort } from '../own-ports';
import { findService, isServiceId } from './service-lookup';

/** Where a service's port is written: its spec, else what provisioning picked. */
function portOf(service: Resource<ServiceSpec>): number | null {
  const picked = service.status.port;
  return service.spec.provider?.port ?? (typeof picked === 'number' ? picked : null);
}

/**
 * Who holds `port` besides the service `self` (null at create): Slipway itself (as bound: `PORT=0`
 * binds a port the OS picks), or another service whose life has not ended. The refusal (409
 * `port_taken`) names the holder and the field the port came from.
 */
async function portRefusal(
  store: ResourceStore,
  ownPorts: () => readonly OwnPort[],
  port: number,
  self: string | null,
  field: string,
): Promise<SlipwayError | null> {
  const own = ownPorts().find((held) => held.port === port);
  if (own) {
    return new SlipwayError(
      'port_taken',
      `${field} ${port} is the port Slipway's own ${own.holder === 'api' ? 'API' : own.holder} listens on; pick another port.`,
      { port, holder: { kind: 'slipway', name: own.holder } },
    );
  }
  const holder = (await listAllOfKind(store, serviceKind)).find(
    (other) => other.id !== self && other.state !== 'destroyed' && portOf(other) === port,
  );
  return holder
    ? new SlipwayError(
        'port_taken',
        `${field} ${port} is held by service ${holder.name} (${holder.id}, ${holder.state}); pick another port.`,
        { port, holder: { kind: 'service', id: holder.id, name: holder.name } },
      )
    : null;
}

/** A service's port must not be one Slipway or another service holds: 409 `port_taken` naming the holder. */
export function servicePortGuard(store: ResourceStore, ownPorts: () => readonly OwnPort[]): SpecGuard {
  return {
    name: 'service.port',
    kind: serviceKind.name,
    async check({ spec, resource }) {
      const port = (spec as ServiceSpec).provider?.port;
      if (port === undefined) return undefined;
      const refusal = await portRefusal(store, ownPorts, port, resource?.id ?? null, 'spec.provider.port');
      if (refusal) throw refusal;
      return undefined;
    },
  };
}

/**
 * A cluster names its service by name or id and is stored with the name, which is what groups its
 * clusters (one live per service). Once the cluster is stored, a name no service has yet creates
 * the service and starts its provisioning, with the port of the cluster's `provider.balancerPort`
 * (how clusters named services before services were resources); a service that failed to
 * provision is provisioned again, on the port the cluster names if it names one, when the write
 * is a create or changes `spec.service` or `balancerPort` (so an unrelated patch does not).
 */
export function clusterServiceGuard(store: ResourceStore, ownPorts: () => readonly OwnPort[]): SpecGuard {
  return {
    name: 'service.of-cluster',
    kind: 'cluster',
    async check({ spec, resource }) {
      const cluster = spec as ClusterSpec;
      const named = cluster.service;
      const found = await findService(store, named);
      if (isServiceId(named)) {
        if (!found) {
          throw new SlipwayError('invalid_spec', `spec.service: no service with id "${named}".`, {
            problems: [`spec.service: no service with id "${named}"`],
          });
        }
        // An id names that one service: one whose life ended (or is ending) cannot take clusters.
        // By name, a destroyed service's name is free and makes a new service, as it always did.
        if (['destroying', 'destroyed'].includes(found.state)) {
          throw new SlipwayError(
            'service_not_active',
            `spec.service: service ${found.name} (${named}) is ${found.state}; name an active service, or name "${found.name}" by name to create a new service of that name.`,
            { service: named, state: found.state },
          );
        }
      }
      // The port a created or re-provisioned service would take: refused now, before the cluster
      // is stored, rather than by the service's own write after it.
      const port = cluster.provider?.balancerPort;
      const previous = resource?.spec as ClusterSpec | undefined;
      const changed =
        !previous || previous.service !== (found?.name ?? named) || previous.provider?.balancerPort !== port;
      const takesPort = !found || (found.state === 'failed' && found.spec.provider?.port !== port);
      if (port !== undefined && changed && takesPort) {
        const refusal = await portRefusal(
          store,
          ownPorts,
          port,
          found?.id ?? null,
          'spec.provider.balancerPort',
        );
        if (refusal) throw refusal;
      }
      return found && found.name !== named ? { ...spec, service: found.name } : undefined;
    },
    async afterWrite({ resource, previous, principal, actions }) {
      const cluster = resource.spec as ClusterSpec;
      const named = cluster.service;
      const port = cluster.provider?.balancerPort;
      const found = await findService(store, named);
      if (!found) {
        try {
          await createService(actions, named, port, principal);
        } catch (error) {
          // Another cluster write created it first: that one set its provisioning going.
          if (
            error instanceof SlipwayError &&
            error.code === 'name_taken' &&
            (await findService(store, named))
          )
            return;
          throw error;
        }
        return;
      }
      const before = previous?.spec as ClusterSpec | undefined;
      const changed = !before || before.service !== named || before.provider?.balancerPort !== port;
      if (!changed || found.state !== 'failed' || found.activeRunId) return;
      const current = found.spec.provider?.port;
      const ready =
        port !== undefined && port !== current
          ? await actions.patch(
              serviceKind.name,
              found.id,
              { ...found.spec, provider: { type: 'local', port } },
              principal,
            )
          : found;
      await actions.requestRun(
        serviceKind.name,
        ready.id,
        { target: 'active', reason: 'Provisioned again for a cluster that names it (spec.service)' },
        principal,
      );
    },
  };
}

async function createService(
  actions: GuardActions,
  name: string,
  port: number | undefined,
  principal: Principal,
): Promise<void> {
  const spec: ServiceSpec = port === undefined ? {} : { provider: { type: 'local', port } };
  const created = await actions.create(serviceKind.name, { name, spec }, principal);
  await actions.requestRun(
    serviceKind.name,
    created.id,
    { target: 'active', reason: 'Created for a cluster that names it (spec.service)' },
    principal,
  );
}

/**
 * Promotes go through the service's front door: refused (409) when the service is frozen (naming
 * who froze it and why), gone, or failed or pending with no run to make it active. A service
 * still provisioning is fine: the promote's step waits for it.
 */
export function promoteGuard(store: ResourceStore & Pick<RunStore, 'getRun'>): RunGuard {
  return {
    name: 'service.promote',
    kind: 'cluster',
    targets: ['live'],
    async check({ resource }) {
      const name = String(resource.spec.service);
      const service = await findService(store, name);
      // A pending or failed service with a run of its own is on its way to active: the promote
      // waits for it. Without one, nothing would ever make it active.
      const idle = service && ['pending', 'failed'].includes(service.state) && !service.activeRunId;
      if (!service || idle || ['destroying', 'destroyed'].includes(service.state)) {
        throw new SlipwayError(
          'service_not_active',
          service
            ? `Service ${name} (${service.id}) is ${service.state}; run it to "active" before promoting its clusters.`
            : `No service is named ${name}; create it (POST /v1/services) before promoting its clusters.`,
          { service: service?.id ?? null, state: service?.state ?? null },
        );
      }
      // A destroy already accepted (still queued) would stop the front door under the promote.
      const active = service.activeRunId ? await store.getRun(service.activeRunId) : null;
      if (active?.target === 'destroyed' && !isTerminalRunStatus(active.status)) {
        throw new SlipwayError(
          'service_not_active',
          `Service ${name} (${service.id}) is being destroyed (run ${active.id}); its clusters cannot be promoted.`,
          { service: service.id, state: service.state, activeRunId: active.id },
        );
      }
      const frozen = frozenOf(service);
      if (frozen) {
        throw new SlipwayError(
          'service_frozen',
          `Service ${name} was frozen by ${frozen.by} at ${frozen.at}: "${frozen.reason}"; promotes are refused until it is unfrozen (PATCH /v1/services/${service.id} {"frozen": false, "reason": "..."}).`,
          { service: service.id, frozenBy: frozen.by, reason: frozen.reason, frozenAt: frozen.at },
        );
      }
    },
  };
}

export interface Frozen {
  by: string;
  reason: string;
  at: string;
}

export function frozenOf(service: Resource): Frozen | null {
  const value = service.status.frozen;
  if (!value || typeof value !== 'object') return null;
  const { by, reason, at } = value as Partial<Frozen>;
  return typeof by === 'string' && typeof reason === 'string' && typeof at === 'string'
    ? { by, reason, at }
    : null;
}
