import {
  clusterKind,
  listAllOfKind,
  type Principal,
  type Resource,
  recordInstantRun,
  type ServiceSpec,
  serviceKind,
} from '@slipway/domain';
import type { LocalServiceProvider } from '@slipway/ops';
import { monotonicFactory } from 'ulid';
import type { ReconcileContext } from './kind-module';

/** Who the start-up migration acts as on the audit trail. */
export const SLIPWAY_PRINCIPAL: Principal = { id: 'slipway', permissions: ['admin'] };

/**
 * Services named by clusters of an older Slipway (no service of the name, in any state) become
 * service resources. One whose balancer
 * record is there (it was promoted) is adopted as it runs: created and moved to `active` in one
 * ADOPT transition saying which record file it came from, without touching the balancer, so no
 * request is dropped. One never promoted (no record) is created and provisioned like a new one.
 */
export async function migrateServices(
  context: ReconcileContext,
  provider: LocalServiceProvider,
): Promise<void> {
  const clusters = await listAllOfKind(context.store, clusterKind);
  const named = [
    ...new Set(clusters.filter((cluster) => cluster.state !== 'destroyed').map((c) => c.spec.service)),
  ];
  if (named.length === 0) return;
  const records = new Map((await provider.adoptable()).map((record) => [record.service, record]));
  const id = monotonicFactory();
  const now = () => new Date().toISOString();
  // Any service of the name, destroyed ones too: one retired on purpose must not come back.
  const known = new Set((await listAllOfKind(context.store, serviceKind)).map((service) => service.name));
  for (const name of named.sort()) {
    if (known.has(name)) continue;
    const record = records.get(name);
    if (!record) {
      const created = await context.service.create(serviceKind.name, { name, spec: {} }, SLIPWAY_PRINCIPAL);
      const run = await context.service.requestRun(
        serviceKind.name,
        created.id,
        {
          target: 'active',
          reason: 'Created at start for the clusters that name it (no balancer was recorded)',
        },
        SLIPWAY_PRINCIPAL,
      );
      context.log({ service: name, id: created.id, run: run.id }, 'service created for its clusters');
      continue;
    }
    const at = now();
    const resource: Resource<ServiceSpec> = {
      id: id(),
      kind: serviceKind.name,
      name,
      state: 'pending',
      version: 1,
      seq: 0,
      spec: { provider: { type: 'local', port: record.port } },
      status: {},
      labels: {},
      activeRunId: null,
      createdAt: at,
      updatedAt: at,
    };
    await context.store.createResource(resource);
    const { run } = await recordInstantRun(
      context.store,
      {
        resource: { ...resource, spec: resource.spec as Record<string, unknown> },
        event: 'ADOPT',
        to: 'active',
        reason: `Adopted from ${record.recordFile}: the service was named by clusters before services were resources`,
        requestedBy: SLIPWAY_PRINCIPAL.id,
        outputs: {
          adoptedFrom: record.recordFile,
          url: record.url,
          port: record.port,
          balancer: { pid: record.pid, answering: record.answering },
        },
        status: { url: record.url, port: record.port },
      },
      { newId: () => id(), now },
    );
    context.log(
      { service: name, id: resource.id, run: run.id, record: record.recordFile },
      'service adopted',
    );
  }
}
