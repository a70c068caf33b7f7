import { settingKind } from '@slipway/domain';
import { SettingVault, settingProvider, settingVersions } from '@slipway/ops';
import { ConfigError } from '../config';
import { defineKindModule } from './kind-module';
import { publishDiscoveryHook, withdrawDiscoveryHook } from './setting/discovery-hooks';
import { pinSettingsHook } from './setting/pin-settings-hook';
import { loadSecretKeys } from './setting/secret-keys';
import { settingRoutes } from './setting/setting-routes';
import { registerVault, vaultOf } from './setting/setting-runtime';

export const settingModule = defineKindModule({
  kind: settingKind,
  collections: [settingVersions],
  // In every process, API and workers: both read secrets (a launch pins them), so both need the
  // key, and a key that opens none of the stored secrets stops the process here.
  async prepare(environment) {
    const keys = await loadSecretKeys(environment.config, (line) => environment.notice(line));
    const vault = new SettingVault(environment.collections, keys);
    const unreadable = await vault.unreadable();
    if (unreadable.length > 0) {
      throw new ConfigError(
        'SLIPWAY_SECRET_KEY',
        `does not decrypt ${unreadable.length} stored secret(s) (${unreadable.slice(0, 3).join('; ')}${unreadable.length > 3 ? '; …' : ''}); set the key they were written with, or keep it as SLIPWAY_SECRET_KEY_PREVIOUS while rotating`,
      );
    }
    registerVault(environment.collections, vault);
  },
  backends: {
    local: ({ collections }) => ({ provider: settingProvider(vaultOf(collections)) }),
  },
  routes: settingRoutes,
  hooks: (environment) => [
    pinSettingsHook(environment),
    publishDiscoveryHook(environment),
    withdrawDiscoveryHook(environment),
  ],
});
