import {
  listAllOfKind,
  type ResolvedSetting,
  type ResourceStore,
  resolveSettings,
  type SettingTarget,
  settingKind,
} from '@slipway/domain';
import type { SettingVault } from './setting-vault';

/** What every setting that applies to `target` resolves to now, with where each key came from. */
export async function resolveFor(store: ResourceStore, target: SettingTarget): Promise<ResolvedSetting[]> {
  return resolveSettings(await listAllOfKind(store, settingKind), target);
}

/** The values of a pinned snapshot, as instances get them: read from the versions it names. */
export async function valuesOf(
  vault: SettingVault,
  pinned: readonly Pick<ResolvedSetting, 'key' | 'setting' | 'version'>[],
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const entry of pinned) values[entry.key] = await vault.reveal(entry.setting, entry.version);
  return values;
}
