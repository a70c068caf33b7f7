import type { ClusterSpec, ResolvedSetting, Resource, ResourceStore } from '@slipway/domain';
import { resolveFor } from '@slipway/ops';
import { DEFAULT_ENVIRONMENT, PIN_HOOK } from './pin-settings-hook';

type Pin = Pick<ResolvedSetting, 'key' | 'setting' | 'version'>;

/** What a cluster's last launch pinned, as its status keeps it; null when it never launched with settings. */
export function pinnedOf(cluster: Resource<ClusterSpec>): ResolvedSetting[] | null {
  const pinned = cluster.status.pinned as Record<string, { settings?: unknown }> | undefined;
  const settings = pinned?.[PIN_HOOK]?.settings;
  return Array.isArray(settings) ? (settings as ResolvedSetting[]) : null;
}

/**
 * For `GET /v1/clusters/{id}`: the snapshot the instances run with (ids and versions, no values),
 * each setting's state now (a deleted one is still pinned), and whether launching now would pin
 * something else.
 */
export async function pinnedView(store: ResourceStore, cluster: Resource<ClusterSpec>) {
  const pinned = pinnedOf(cluster);
  if (!pinned) return null;
  const now = await resolveFor(store, {
    environment: cluster.spec.environment ?? DEFAULT_ENVIRONMENT,
    service: cluster.spec.service,
  });
  const same = (a: Pin | undefined, b: Pin | undefined) =>
    a?.setting === b?.setting && a?.version === b?.version;
  const keys = [...new Set([...pinned, ...now].map((entry) => entry.key))].sort();
  const changes = keys
    .map((key) => ({
      key,
      pinned: pinned.find((entry) => entry.key === key),
      now: now.find((entry) => entry.key === key),
    }))
    .filter(({ pinned: was, now: is }) => !same(was, is))
    .map(({ key, pinned: was, now: is }) => ({
      key,
      pinned: was ? { setting: was.setting, version: was.version } : null,
      resolvesNow: is ? { setting: is.setting, version: is.version } : null,
    }));
  const states = new Map<string, string>();
  for (const entry of pinned) {
    states.set(entry.setting, (await store.getResource(entry.setting))?.state ?? 'gone');
  }
  return {
    settings: pinned.map(({ sealed, ...entry }) => ({
      ...entry,
      secret: sealed,
      settingState: states.get(entry.setting),
    })),
    differsFromResolution: changes.length > 0,
    changes,
  };
}
