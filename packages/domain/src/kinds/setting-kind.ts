import { type Static, Type } from 'typebox';
import { setup } from 'xstate';
import { defineKind, type StepMeta } from './kind-definition';

const SCOPE_NAME = '^[a-z][a-z0-9-]{0,62}$';

/** Keys Slipway publishes itself (service discovery); nobody else may create them. */
export const RESERVED_KEY_PREFIX = 'SLIPWAY_';

/**
 * Variables a setting may not give instances: the ones the process and its shell depend on (where
 * programs and home are, what the loader or Node loads first) and the port Slipway assigns.
 * `TZ`, `LANG` and the like stay open: an app may well want them set.
 */
export const RESERVED_ENV_KEYS: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'PWD',
  'TMPDIR',
  'IFS',
  'ENV',
  'BASH_ENV',
  'PORT',
  'NODE_OPTIONS',
  'NODE_PATH',
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'LD_AUDIT',
  'DYLD_INSERT_LIBRARIES',
  'DYLD_LIBRARY_PATH',
];

const settingSpec = Type.Object(
  {
    key: Type.String({
      pattern: '^[A-Z_][A-Z0-9_]{0,127}$',
      description: `The environment variable instances get: upper-case letters, digits and \`_\`. Keys starting with SLIPWAY_ are reserved, and so are the variables the process depends on: ${RESERVED_ENV_KEYS.join(', ')}.`,
      examples: ['GREETING'],
    }),
    environment: Type.Optional(
      Type.String({
        pattern: SCOPE_NAME,
        description:
          'Scope: only clusters of this environment get it. Fixed at create; a patch may leave it out.',
        examples: ['production'],
      }),
    ),
    service: Type.Optional(
      Type.String({
        pattern: SCOPE_NAME,
        description:
          'Scope: only clusters of this service get it. Fixed at create; a patch may leave it out.',
        examples: ['web-production'],
      }),
    ),
    secret: Type.Optional(
      Type.Boolean({
        description:
          'Encrypted at rest and never shown; read back only through `GET /v1/settings/{id}/secret`. Fixed at create.',
      }),
    ),
    value: Type.Optional(
      Type.String({
        maxLength: 8192,
        description:
          'Write-only: a create or patch with a value adds a new version (applied by the next run to `active`). Never stored on the resource nor returned.',
        examples: ['hello'],
      }),
    ),
    version: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'The version the next run to `active` applies: set by Slipway to the newest when a value is sent; a patch without a value may name an older one (a rollback, which `POST /v1/settings/{id}/rollback` does). Refused at create.',
      }),
    ),
  },
  { additionalProperties: false },
);

export type SettingSpec = Static<typeof settingSpec>;

const settingMachine = setup({
  types: {} as {
    events:
      | { type: 'APPLY' }
      | { type: 'DELETE' }
      | { type: 'REVEAL' }
      | { type: 'REENCRYPT' }
      | { type: 'SUCCESS' }
      | { type: 'FAILURE' }
      | { type: 'CANCEL' };
    meta: StepMeta<'apply' | 'delete' | 'reveal' | 'reencrypt'>;
  },
}).createMachine({
  id: 'setting',
  initial: 'pending',
  states: {
    pending: { on: { APPLY: 'applying', DELETE: 'deleting', REENCRYPT: 'pending' } },
    applying: { meta: { step: 'apply' }, on: { SUCCESS: 'active', FAILURE: 'failed', CANCEL: 'failed' } },
    active: { on: { APPLY: 'applying', DELETE: 'deleting', REVEAL: 'active', REENCRYPT: 'active' } },
    failed: { on: { APPLY: 'applying', DELETE: 'deleting', REENCRYPT: 'failed' } },
    deleting: { meta: { step: 'delete' }, on: { SUCCESS: 'deleted', FAILURE: 'failed', CANCEL: 'failed' } },
    // Still terminal (only the engine's REENCRYPT leads back to it): its versions stay pinned by
    // clusters, so a key rotation re-seals them on the audit trail like a live setting's.
    deleted: { on: { REENCRYPT: 'deleted' } },
  },
});

export const settingKind = defineKind({
  name: 'setting',
  plural: 'settings',
  title: 'Setting',
  description:
    'A versioned key/value in a scope (global, an environment, a service, or both), given to instances as an environment variable. A cluster pins the resolved settings at launch, so a swap back restores the old configuration with the old code. Secret values are encrypted at rest and never shown.',
  spec: settingSpec,
  specExample: { key: 'GREETING', environment: 'production', value: 'hello' },
  steps: ['apply', 'delete', 'reveal', 'reencrypt'],
  machine: settingMachine,
  targets: {
    active: {
      description:
        "Apply the setting's version (`spec.version`): from then on it resolves, and clusters launched after it get it. From `active` the run applies a new version again (`active → applying → active`).",
      reentry: 'APPLY',
    },
    deleted: {
      description:
        'Stop resolving the setting. Its versions are kept, and clusters that pinned it keep their values.',
      reasonRequired: true,
    },
  },
  internalEvents: ['REVEAL', 'REENCRYPT'],
  actions: {
    reveal: {
      event: 'REVEAL',
      step: 'reveal',
      allowedIn: ['active'],
      summary: "Record a read of a secret's value",
      description:
        'Records who read the applied version of a secret, as a REVEAL transition on the audit trail. `GET /v1/settings/{id}/secret` runs it and answers the value once it is recorded; this route alone records the read and returns only the run.',
    },
    reencrypt: {
      event: 'REENCRYPT',
      step: 'reencrypt',
      allowedIn: ['pending', 'active', 'failed', 'deleted'],
      summary: "Encrypt a secret's versions under the current key again",
      description:
        'Seals every version of the secret under SLIPWAY_SECRET_KEY again (the last step of a key rotation) and records how many as a REENCRYPT transition; also on a deleted setting, whose versions clusters may still have pinned. All or nothing: when one version cannot be opened, none is re-sealed and the run fails. `POST /v1/settings/secrets/reencrypt` runs it for every secret.',
    },
  },
  editableIn: ['pending', 'active', 'failed'],
});
