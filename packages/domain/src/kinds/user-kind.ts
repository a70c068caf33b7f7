import { type Static, Type } from 'typebox';
import { setup } from 'xstate';
import { defineKind, type StepMeta } from './kind-definition';

/** The named bundles of permissions a user can hold (`permissionsOfRoles` says what each grants). */
export const USER_ROLES = ['viewer', 'operator', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

const userSpec = Type.Object(
  {
    roles: Type.Array(
      Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')], {
        description:
          'viewer: read every kind (no secret values); operator: viewer plus write and transition on every kind but user; admin: everything.',
      }),
      {
        maxItems: 3,
        uniqueItems: true,
        description: 'Named bundles of permissions.',
        examples: [['operator']],
      },
    ),
    grants: Type.Optional(
      Type.Array(
        Type.String({
          pattern: '^(admin|user:admin|setting:read-secret|[a-z][a-z0-9-]*:(read|write|transition))$',
          description:
            'One permission: `{kind}:read|write|transition`, `setting:read-secret`, `user:admin` or `admin`.',
        }),
        {
          maxItems: 64,
          uniqueItems: true,
          description: 'Permissions beyond the roles.',
          examples: [['setting:read-secret']],
        },
      ),
    ),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' })),
  },
  { additionalProperties: false },
);

export type UserSpec = Static<typeof userSpec>;

const userMachine = setup({
  types: {} as {
    events:
      | { type: 'ACCEPT' }
      | { type: 'ISSUE_TOKEN' }
      | { type: 'REVOKE_TOKEN' }
      | { type: 'ACTIVATE' }
      | { type: 'SUSPEND' }
      | { type: 'DELETE' }
      | { type: 'SUCCESS' }
      | { type: 'FAILURE' }
      | { type: 'CANCEL' };
    meta: StepMeta<'activate' | 'suspend' | 'delete'>;
  },
}).createMachine({
  id: 'user',
  initial: 'invited',
  states: {
    // ACCEPT is the first request with the invitation token (an instant change, the user as actor),
    // never a planned step: nobody else can make an invited user active.
    // ISSUE_TOKEN and REVOKE_TOKEN put token events on the audit trail, with their actor.
    invited: {
      on: { ACCEPT: 'active', DELETE: 'deleting', ISSUE_TOKEN: 'invited', REVOKE_TOKEN: 'invited' },
    },
    activating: {
      meta: { step: 'activate' },
      on: { SUCCESS: 'active', FAILURE: 'suspended', CANCEL: 'suspended' },
    },
    active: {
      on: { SUSPEND: 'suspending', DELETE: 'deleting', ISSUE_TOKEN: 'active', REVOKE_TOKEN: 'active' },
    },
    suspending: {
      meta: { step: 'suspend' },
      on: { SUCCESS: 'suspended', FAILURE: 'suspended', CANCEL: 'suspended' },
    },
    suspended: { on: { ACTIVATE: 'activating', DELETE: 'deleting', REVOKE_TOKEN: 'suspended' } },
    // A failed or cancelled step leaves the user out, never back in.
    deleting: {
      meta: { step: 'delete' },
      on: { SUCCESS: 'deleted', FAILURE: 'suspended', CANCEL: 'suspended' },
    },
    deleted: { type: 'final' },
  },
});

export const userKind = defineKind({
  name: 'user',
  plural: 'users',
  title: 'User',
  description:
    'A person or a script that calls Slipway, with API tokens and permissions. Created `invited`; the first request with its one-time invitation token makes it `active`. Its name is the actor on every record it causes.',
  spec: userSpec,
  specExample: { roles: ['operator'], grants: ['setting:read-secret'] },
  steps: ['activate', 'suspend', 'delete'],
  machine: userMachine,
  targets: {
    active: { description: 'Let a suspended user in again: its unrevoked tokens work again.' },
    suspended: {
      description:
        'Shut the user out: its tokens stop working (they are kept, to work again on re-activation).',
      reasonRequired: true,
    },
    deleted: { description: 'Remove the user for good and revoke its tokens.', reasonRequired: true },
  },
  internalEvents: ['ACCEPT', 'ISSUE_TOKEN', 'REVOKE_TOKEN'],
  editableIn: ['invited', 'active', 'suspended'],
});
