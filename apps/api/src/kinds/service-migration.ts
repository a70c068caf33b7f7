import {
  type ClusterSpec,
  clusterKind,
  listAllOfKind,
  type Principal,
  type Resource,
  recordInstantRun,
  type ServiceSpec,
  SlipwayError,
  serviceKind,
} from '@slipway/domain';
import type { AdoptableBalancer, LocalServiceProvider } from '@slipway/ops';
import { monotonicFactory } from 'ulid';
import { crashPoint } from '../fault-point';
import type { ReconcileContext } from './kind-module';

/** Who the start-up migration acts as on the audit trail. */
export const SLIPWAY_PRINCIPAL: Principal = { id: 'slipway', permissions: ['admin'] };

/**
 * The label a service created by the migration carries, so one left `pending` with no run (the
 * process died between creating it and recording its run) is taken up again at the next start.
 */
export const MIGRATED_LABEL = 'slipway.migrated';

export interface MigrationReport {
  migrated: string[];
  /** Already migrated by another API process starting at the same time. */
  skipped: string[];
  failed: { service: string; error: string }[];
}

/**
 * Services an older Slipway knew only as names become service resources: each name non-destroyed
 * clusters use, and each balancer record (an orphan whose clusters are all gone still listens),
 * with no service of that name in any state (one retired on purpose must not come back). One with
 * a running record is adopted as it runs: created and moved to `active` by one ADOPT transition
 * naming the record file, the balancer untouched, so no request is dropped. One never promoted (no
 * record) is created on its clusters' `provider.balancerPort` and provisioned like a new one.
 * Each service on its own: one that fails is logged and reported, the others go on.
 */
export async function migrateServices(
  context: ReconcileContext,
  provider: LocalServiceProvider,
): Promise<MigrationReport> {
  const report: MigrationReport = { migrated: [], skipped: [], failed: [] };
  const clusters = (await listAllOfKind(context.store, clusterKind)).filter(
    (cluster) => cluster.state !== 'destroyed',
  );
  const records = new Map((await provider.adoptable()).map((record) => [record.service, record]));
  const named = new Set([...clusters.map((cluster) => cluster.spec.service), ...records.keys()]);
  if (named.size === 0) return report;
  const services = await listAllOfKind(context.store, serviceKind);
  for (const name of [...named].sort()) {
    const existing = services.filter((service) => service.name === name);
    const left = existing.find(unfinishedMigration);
    if (existing.length > 0 && !left) continue;
    try {
      const outcome = await migrateOne(
        context,
        name,
        records.get(name),
        portOfClusters(clusters, name),
        left,
      );
      report[outcome === 'migrated' ? 'migrated' : 'skipped'].push(name);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      report.failed.push({ service: name, error: message });
      context.log({ service: name, error: message }, 'service migration failed; the others go on');
    }
  }
  if (report.migrated.length + report.failed.length > 0) {
    context.log({ ...report }, 'service migration done');
  }
  return report;
}

/** Created by the migration, and the process died before its run was recorded. */
function unfinishedMigration(service: Resource<ServiceSpec>): boolean {
  return (
    service.labels[MIGRATED_LABEL] !== undefined &&
    service.state === 'pending' &&
    service.activeRunId === null &&
    service.seq === 0
  );
}

/** The port a never-promoted service's clusters name, the oldest cluster's first. */
function portOfClusters(clusters: Resource<ClusterSpec>[], name: string): number | undefined {
  return [...clusters]
    .sort((a, b) => a.id.localeCompare(b.id))
    .find((cluster) => cluster.spec.service === name && cluster.spec.provider?.balancerPort !== undefined)
    ?.spec.provider?.balancerPort;
}

async function migrateOne(
  context: ReconcileContext,
  name: string,
  record: AdoptableBalancer | undefined,
  clusterPort: number | undefined,
  left: Resource<ServiceSpec> | undefined,
): Promise<'migrated' | 'skipped'> {
  const id = monotonicFactory();
  const now = () => new Date().toISOString();
  if (!record) {
    const spec: ServiceSpec =
      clusterPort === undefined ? {} : { provider: { type: 'local', port: clusterPort } };
    const created =
      left ??
      (await unlessRaceLost(() =>
        context.service.create(
          serviceKind.name,
          { name, spec, labels: { [MIGRATED_LABEL]: 'clusters' } },
          SLIPWAY_PRINCIPAL,
        ),
      ));
    if (!created) return 'skipped';
    await crashPoint('migration', 'service-created');
    const run = await unlessRaceLost(() =>
      context.service.requestRun(
        serviceKind.name,
        created.id,
        {
          target: 'active',
          reason: 'Created at start for the clusters that name it (no balancer was recorded)',
        },
        SLIPWAY_PRINCIPAL,
      ),
    );
    if (!run) return 'skipped';
    context.log({ service: name, id: created.id, run: run.id }, 'service created for its clusters');
    return 'migrated';
  }
  const at = now();
  const resource: Resource<ServiceSpec> = left ?? {
    id: id(),
    kind: serviceKind.name,
    name,
    state: 'pending',
    version: 1,
    seq: 0,
    spec: { provider: { type: 'local', port: record.port } },
    status: {},
    labels: { [MIGRATED_LABEL]: 'balancer' },
    activeRunId: null,
    createdAt: at,
    updatedAt: at,
  };
  if (!left && !(await unlessRaceLost(() => context.store.createResource(resource).then(() => resource)))) {
    return 'skipped';
  }
  await crashPoint('migration', 'service-created');
  const adopted = await unlessRaceLost(() =>
    recordInstantRun(
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
    ),
  );
  if (!adopted) return 'skipped';
  context.log(
    { service: name, id: resource.id, run: adopted.run.id, record: record.recordFile },
    'service adopted',
  );
  return 'migrated';
}

/**
 * Another API process migrating the same data got there first: it took the name (`name_taken`),
 * or holds or has finished the service's run (`run_conflict`, `already_in_target`), and carries it on.
 */
const RACE_LOST = new Set(['name_taken', 'run_conflict', 'already_in_target']);

async function unlessRaceLost<T>(create: () => Promise<T>): Promise<T | null> {
  try {
    return await create();
  } catch (error) {
    if (error instanceof SlipwayError && RACE_LOST.has(error.code)) return null;
    throw error;
  }
}
