import {
  failed,
  isSlipwayError,
  type ProviderFor,
  RESERVED_ENV_KEYS,
  RESERVED_KEY_PREFIX,
  type SettingSpec,
  SlipwayError,
  type SpecIntake,
  type settingKind,
  succeeded,
} from '@slipway/domain';
import type { SettingVault } from './setting-vault';

const FIXED = ['environment', 'service', 'secret'] as const;

/**
 * Settings live in Slipway's own store, so one provider serves every backend: `apply` proves the
 * version it applies is there and readable under the current keys, `delete` takes it out of
 * resolution. Values never reach outputs or logs; only version numbers do.
 */
export function settingProvider(vault: SettingVault): ProviderFor<typeof settingKind> {
  return {
    backend: 'local',
    steps: {
      async apply({ resource, run, log }) {
        // A rollback's run carries the version it applies; any other run applies spec.version.
        const version = typeof run.input?.version === 'number' ? run.input.version : resource.spec.version;
        if (version === undefined)
          return failed('verification_failed', 'The setting names no version to apply.');
        try {
          await vault.reveal(resource.id, version);
        } catch (error) {
          if (isSlipwayError(error) && error.code === 'secret_unreadable') {
            return failed('secret_unreadable', error.message);
          }
          if (isSlipwayError(error)) return failed('verification_failed', error.message);
          throw error;
        }
        log(`version ${version} of ${resource.spec.key} is stored and readable`);
        return succeeded({ appliedVersion: version });
      },
      async delete({ resource, log }) {
        log(`${resource.spec.key} no longer resolves; its versions are kept`);
        return succeeded({ appliedVersion: null });
      },
      async reveal({ resource, run }) {
        const version = resource.status.appliedVersion;
        if (typeof version !== 'number')
          return failed('verification_failed', 'The setting has no applied version to read.');
        try {
          await vault.reveal(resource.id, version);
        } catch (error) {
          if (isSlipwayError(error) && error.code === 'secret_unreadable')
            return failed('secret_unreadable', error.message);
          throw error;
        }
        // Who read which version: the value itself goes only to the caller of GET …/secret.
        return succeeded({ revealedVersion: version, readBy: run.requestedBy });
      },
      async reencrypt({ resource }) {
        try {
          return succeeded(await vault.reencryptSetting(resource.id));
        } catch (error) {
          if (isSlipwayError(error) && error.code === 'secret_unreadable')
            return failed('secret_unreadable', error.message);
          throw error;
        }
      },
    },
    storeSpec: (intake) => storeSettingSpec(vault, intake),
    async settleSpec({ id, spec, previous, accepted }) {
      // Only a version this write added is settled: the one the setting named before stays.
      if (spec.version !== undefined && spec.version !== previous?.spec.version)
        await vault.settle(id, spec.version, accepted);
    },
  };
}

/**
 * A value sent with a create or patch becomes a new version in the vault; the resource keeps its
 * number (`version`), never the value. Scope and secret flag are fixed at create.
 */
async function storeSettingSpec(vault: SettingVault, intake: SpecIntake<SettingSpec>): Promise<SettingSpec> {
  const { value, version, ...sent } = intake.spec;
  const { previous } = intake;
  if (sent.key.startsWith(RESERVED_KEY_PREFIX)) {
    throw new SlipwayError(
      'reserved_key',
      `spec.key: keys starting with ${RESERVED_KEY_PREFIX} are reserved for what Slipway publishes (service discovery); choose another key.`,
    );
  }
  if (RESERVED_ENV_KEYS.includes(sent.key)) {
    throw new SlipwayError(
      'reserved_key',
      `spec.key: ${sent.key} is one of the variables instances need as the system or Slipway sets them (${RESERVED_ENV_KEYS.join(', ')}); choose another key.`,
      { reserved: [...RESERVED_ENV_KEYS] },
    );
  }
  if (version !== undefined && (!previous || value !== undefined)) {
    throw new SlipwayError(
      'invalid_spec',
      'spec.version is set by Slipway when a value is sent; only a patch without a value may name an existing version (a rollback: POST /v1/settings/{id}/rollback).',
    );
  }
  const spec: SettingSpec = { ...sent };
  if (previous?.spec.version !== undefined) {
    // Accepted, since the resource names it, though a crash may have kept it from being settled.
    await vault.settle(intake.id, previous.spec.version, true);
  }
  if (previous) {
    if (previous.spec.key !== sent.key) {
      throw new SlipwayError(
        'invalid_spec',
        `spec.key is fixed at create (${previous.spec.key}); create a new setting for another key.`,
      );
    }
    for (const field of FIXED) {
      if (sent[field] !== undefined && sent[field] !== previous.spec[field]) {
        throw new SlipwayError(
          'invalid_spec',
          `spec.${field} is fixed at create; leave it out or create a new setting.`,
        );
      }
      if (previous.spec[field] !== undefined) Object.assign(spec, { [field]: previous.spec[field] });
      else delete spec[field];
    }
    if (version !== undefined) {
      if (!(await vault.has(intake.id, version, previous.spec.version))) {
        throw new SlipwayError(
          'version_not_found',
          `Setting ${intake.id} has no version ${version}; GET /v1/settings/${intake.id}/versions lists them.`,
          { version },
        );
      }
      spec.version = version;
    } else if (previous.spec.version !== undefined) spec.version = previous.spec.version;
  } else if (value === undefined) {
    throw new SlipwayError('invalid_spec', 'spec.value is required to create a setting.');
  }
  const named = previous?.spec.version;
  // A retried PATCH of the value the setting already names adds no version (PATCH is idempotent).
  if (value !== undefined && !(named !== undefined && (await vault.holds(intake.id, named, value)))) {
    spec.version = await vault.addVersion(intake.id, value, spec.secret === true, intake.actor);
  }
  return spec;
}
