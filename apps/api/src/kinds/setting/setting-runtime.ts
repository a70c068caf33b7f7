import type { KindCollections } from '@slipway/domain';
import type { SettingVault } from '@slipway/ops';

/**
 * The vault each opened engine made for its store at start, found again by the routes, hooks and
 * the cluster module of that engine: several engines (tests) may live in one process.
 */
const vaults = new WeakMap<KindCollections, SettingVault>();

export function registerVault(collections: KindCollections, vault: SettingVault): void {
  vaults.set(collections, vault);
}

export function vaultOf(collections: KindCollections): SettingVault {
  const vault = vaults.get(collections);
  if (!vault) throw new Error('the setting module was not prepared for this store');
  return vault;
}
