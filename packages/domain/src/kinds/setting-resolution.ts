import type { Resource } from '../model/resource';
import type { SettingSpec } from './setting-kind';

/** Where a cluster runs: what settings are resolved for. */
export interface SettingTarget {
  environment: string;
  service: string;
}

/** One key as resolved: which setting and version it comes from, and through which scope. */
export interface ResolvedSetting {
  key: string;
  setting: string;
  version: number;
  scope: 'global' | 'environment' | 'service' | 'environment+service';
  /** True for a secret, whose value is never part of a resolution. */
  sealed: boolean;
}

/** The version a setting resolves to now: the one its last run applied, while it is not on its way out. */
export function appliedVersion(setting: Resource<SettingSpec>): number | null {
  if (setting.state === 'deleting' || setting.state === 'deleted') return null;
  const applied = setting.status.appliedVersion;
  return typeof applied === 'number' ? applied : null;
}

export function scopeOf(spec: SettingSpec): ResolvedSetting['scope'] {
  if (spec.environment !== undefined && spec.service !== undefined) return 'environment+service';
  if (spec.service !== undefined) return 'service';
  if (spec.environment !== undefined) return 'environment';
  return 'global';
}

/** Most specific wins: environment+service, then service, then environment, then global. */
const RANK: Record<ResolvedSetting['scope'], number> = {
  'environment+service': 3,
  service: 2,
  environment: 1,
  global: 0,
};

/**
 * Merges the settings that apply to `target` by key, the most specific scope winning. Two
 * settings of one key in one scope cannot both hold: the older (lower id) wins, so the answer
 * is stable whatever order they are listed in.
 */
export function resolveSettings(
  settings: readonly Resource<SettingSpec>[],
  target: SettingTarget,
): ResolvedSetting[] {
  const chosen = new Map<string, { rank: number; id: string; entry: ResolvedSetting }>();
  for (const setting of settings) {
    const { spec } = setting;
    if (spec.environment !== undefined && spec.environment !== target.environment) continue;
    if (spec.service !== undefined && spec.service !== target.service) continue;
    const version = appliedVersion(setting);
    if (version === null) continue;
    const scope = scopeOf(spec);
    const rank = RANK[scope];
    const current = chosen.get(spec.key);
    if (current && (current.rank > rank || (current.rank === rank && current.id < setting.id))) continue;
    chosen.set(spec.key, {
      rank,
      id: setting.id,
      entry: { key: spec.key, setting: setting.id, version, scope, sealed: spec.secret === true },
    });
  }
  return [...chosen.values()].map(({ entry }) => entry).sort((a, b) => (a.key < b.key ? -1 : 1));
}
