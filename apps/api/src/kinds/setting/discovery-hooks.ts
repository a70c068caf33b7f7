import {
  analyticsGroupsOf,
  appliedVersion,
  type ClusterSpec,
  clusterKind,
  failed,
  isSlipwayError,
  listAllOfKind,
  newRun,
  type Resource,
  type Run,
  type SettingSpec,
  type StepContext,
  type StepHook,
  type StepOutcome,
  settingKind,
  succeeded,
} from '@slipway/domain';
import type { SettingVault } from '@slipway/ops';
import type { BackendEnvironment } from '../kind-module';
import { discoveryKey, discoveryName } from './discovery-key';
import { DEFAULT_ENVIRONMENT } from './pin-settings-hook';
import { vaultOf } from './setting-runtime';

/**
 * What promote reports as the service's address. The service kind's promote will report
 * `serviceUrl`; until then the local balancer's `balancer.url` is it.
 */
export function serviceUrlOf(outputs: Readonly<Record<string, unknown>>): string | null {
  if (typeof outputs.serviceUrl === 'string') return outputs.serviceUrl;
  const balancer = outputs.balancer;
  if (balancer && typeof balancer === 'object' && typeof (balancer as { url?: unknown }).url === 'string') {
    return (balancer as { url: string }).url;
  }
  return null;
}

/** After a promote: the service's address published as a setting in its environment. */
export function publishDiscoveryHook(environment: BackendEnvironment): StepHook {
  return {
    name: 'setting.publish',
    kind: 'cluster',
    step: 'promote',
    phase: 'after',
    async run(context) {
      const url = serviceUrlOf(context.stepOutputs);
      if (!url) return failed('discovery_failed', 'The promote step reported no service URL to publish.');
      return publish(environment, context, url);
    },
  };
}

/** After a destroy: the address withdrawn once no cluster of the service is live in that environment. */
export function withdrawDiscoveryHook(environment: BackendEnvironment): StepHook {
  return {
    name: 'setting.withdraw',
    kind: 'cluster',
    step: 'destroy',
    phase: 'after',
    async run(context) {
      const { service, environment: env = DEFAULT_ENVIRONMENT } = context.resource.spec as ClusterSpec;
      const live = await servingClusters(environment, context.resource.id, service, env);
      if (live.length > 0) return succeeded({ withdrawn: false, liveClusters: live });
      const current = await settle(environment, context, await published(environment, service, env));
      if (!current) return succeeded({ withdrawn: false });
      // The delete run holds the setting before the second look: a promote that publishes from
      // here on waits for it (and publishes anew), and one that published before is promoting or
      // live by now, so the second look sees it and the run is dropped, the endpoint left alone.
      const run = await runSetting(
        environment,
        context,
        current,
        'deleted',
        `Withdrawn: no cluster of service ${service} is live in ${env} after destroy run ${context.run.id}.`,
        async (started) => {
          const serving = await servingClusters(environment, context.resource.id, service, env);
          if (serving.length === 0) return null;
          const dropped = await environment.runs.dropQueued(
            started.id,
            `Not withdrawn: cluster ${serving.join(', ')} of service ${service} is promoting or live in ${env}.`,
          );
          return dropped ? serving : null;
        },
      );
      if ('kept' in run) return succeeded({ withdrawn: false, liveClusters: run.kept });
      return run.status === 'succeeded'
        ? succeeded({ withdrawn: true, setting: current.id, run: run.id })
        : failed(
            'discovery_failed',
            `Withdrawing ${current.spec.key} failed (run ${run.id}: ${run.error?.message ?? run.status}).`,
          );
    },
  };
}

/**
 * A withdraw that took the setting meanwhile (its delete run holds it, and moved its version)
 * makes a write here lose; the next attempt waits for that run, then publishes on what it left.
 */
async function publish(
  environment: BackendEnvironment,
  context: StepContext,
  url: string,
): Promise<StepOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await publishOnce(environment, context, url);
    } catch (error) {
      const lost = isSlipwayError(error) && ['run_conflict', 'version_conflict'].includes(error.code);
      if (!lost || attempt >= 5) throw error;
    }
  }
}

async function publishOnce(
  environment: BackendEnvironment,
  context: StepContext,
  url: string,
): Promise<StepOutcome> {
  const { service, environment: env = DEFAULT_ENVIRONMENT } = context.resource.spec as ClusterSpec;
  const vault = vaultOf(environment.collections);
  const key = discoveryKey(service);
  const current = await settle(environment, context, await published(environment, service, env));
  const applied = current ? appliedVersion(current) : null;
  // A repeated attempt, or a swap back to the same balancer: already published, nothing to add.
  if (
    current &&
    current.state === 'active' &&
    applied !== null &&
    (await vault.reveal(current.id, applied)) === url
  ) {
    return succeeded({ key, setting: current.id, version: applied, published: false });
  }
  const now = new Date().toISOString();
  let setting: Resource<SettingSpec>;
  // Versions count only once the resource write naming them is accepted, as for a user's write
  // (setting-vault.ts): the one named before is settled first, a crash may have kept it pending.
  if (current) {
    if (current.spec.version !== undefined) await vault.settle(current.id, current.spec.version, true);
    const version = await vault.addVersion(current.id, url, false, context.run.requestedBy);
    setting = (await settled(vault, current.id, version, () =>
      environment.store.patchResource(
        current.id,
        current.version,
        { spec: { ...current.spec, version } },
        now,
      ),
    )) as Resource<SettingSpec>;
  } else {
    const id = environment.runs.newId();
    const version = await vault.addVersion(id, url, false, context.run.requestedBy);
    setting = {
      id,
      kind: settingKind.name,
      name: discoveryName(service, env),
      state: 'pending',
      version: 1,
      seq: 0,
      spec: { key, environment: env, version },
      status: {},
      labels: { 'slipway/discovery': service },
      activeRunId: null,
      createdAt: now,
      updatedAt: now,
    };
    const created = setting;
    await settled(vault, id, version, () => environment.store.createResource(created));
  }
  const run = await runSetting(
    environment,
    context,
    setting,
    'active',
    `Published by promote run ${context.run.id} of cluster ${context.resource.id}.`,
  );
  if ('kept' in run) throw new Error('a publish run has no second look to drop it');
  return run.status === 'succeeded'
    ? succeeded({ key, setting: setting.id, version: setting.spec.version, published: true, run: run.id })
    : failed(
        'discovery_failed',
        `Publishing ${key} failed (run ${run.id}: ${run.error?.message ?? run.status}).`,
      );
}

/** The resource write a new version is for, and the version settled by its outcome. */
async function settled<T>(
  vault: SettingVault,
  id: string,
  version: number,
  write: () => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await write();
  } catch (error) {
    await vault.settle(id, version, false).catch(() => undefined);
    throw error;
  }
  await vault.settle(id, version, true).catch(() => undefined);
  return result;
}

/** The discovery setting of a service in an environment, if one is not deleted. */
async function published(
  environment: BackendEnvironment,
  service: string,
  env: string,
): Promise<Resource<SettingSpec> | null> {
  const key = discoveryKey(service);
  const settings = await listAllOfKind(environment.store, settingKind);
  return (
    settings.find(
      (setting) =>
        setting.state !== 'deleted' &&
        setting.spec.key === key &&
        setting.spec.environment === env &&
        setting.spec.service === undefined,
    ) ?? null
  );
}

/** Finishes a run a crashed attempt left on the setting, so this attempt starts from a settled one. */
async function settle(
  environment: BackendEnvironment,
  context: StepContext,
  setting: Resource<SettingSpec> | null,
): Promise<Resource<SettingSpec> | null> {
  if (!setting?.activeRunId) return setting;
  await environment.runs.walk(setting.activeRunId, context.signal);
  const fresh = (await environment.store.getResource(setting.id)) as Resource<SettingSpec> | null;
  return fresh && fresh.state !== 'deleted' ? fresh : null;
}

/**
 * The other clusters of the service in the environment that serve or are about to (promoting:
 * their promote publishes its endpoint before they go live).
 */
async function servingClusters(
  environment: BackendEnvironment,
  except: string,
  service: string,
  env: string,
): Promise<string[]> {
  const clusters = [
    ...(await listAllOfKind(environment.store, clusterKind, { state: 'promoting' })),
    ...(await listAllOfKind(environment.store, clusterKind, { state: 'live' })),
  ];
  return clusters
    .filter(
      (cluster) =>
        cluster.id !== except &&
        cluster.spec.service === service &&
        (cluster.spec.environment ?? DEFAULT_ENVIRONMENT) === env,
    )
    .map((cluster) => cluster.id);
}

/**
 * A run of the setting by the cluster run's actor, stored and walked at once; `before`, once it
 * is stored, may drop it instead (answering why), so it is walked only when still wanted.
 */
async function runSetting(
  environment: BackendEnvironment,
  context: StepContext,
  setting: Resource<SettingSpec>,
  target: string,
  reason: string,
  before?: (run: Run) => Promise<string[] | null>,
): Promise<Run | { kept: string[] }> {
  // A discovery run does not look up an earlier failure of its setting (failingSince stays null):
  // its recovery time is the promote's, which the cluster's own runs already measure.
  const run = newRun({
    id: environment.runs.newId(),
    resource: { ...setting, kind: settingKind.name },
    target,
    reason,
    requestedBy: context.run.requestedBy,
    requestId: context.run.requestId,
    createdAt: new Date().toISOString(),
    groups: analyticsGroupsOf(settingKind, setting.spec),
  });
  await environment.runs.start(run);
  const kept = before ? await before(run) : null;
  if (kept) return { kept };
  const done = await environment.runs.walk(run.id, context.signal);
  return (
    done ?? { ...run, status: 'failed', error: { code: 'resource_missing', message: 'The run is gone.' } }
  );
}
