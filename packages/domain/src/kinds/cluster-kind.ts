import { type Static, Type } from 'typebox';
import { setup } from 'xstate';
import { defineKind, type StepMeta } from './kind-definition';

const clusterSpec = Type.Object(
  {
    service: Type.String({
      pattern: '^([a-z][a-z0-9-]{0,62}|[0-9A-Z]{26})$',
      description:
        'The service this cluster serves, by name or id (stored by name). A name no service has yet creates that service (with the port from provider.balancerPort); creating the service first is the documented way. At most one cluster per service is live.',
      examples: ['web-production'],
    }),
    environment: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9-]{0,62}$',
        description:
          'The environment the cluster runs in (default `default`): the settings of this environment and its service are pinned at launch and given to every instance.',
        examples: ['production'],
      }),
    ),
    image: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9]+$',
      description: 'Id of a built image; its start command runs on every instance.',
      examples: ['01JDQ3M5T2Q3W3K5A3B8C9D0EF'],
    }),
    size: Type.Integer({
      minimum: 1,
      maximum: 16,
      description: 'Number of instances.',
      examples: [2],
    }),
    provider: Type.Optional(
      Type.Object(
        {
          balancerPort: Type.Optional(
            Type.Integer({
              minimum: 1024,
              maximum: 65535,
              description:
                "For a cluster that creates its service (spec.service names none yet): the port of the service's load balancer (local provider). A service that failed to provision takes the port of the next cluster naming one. Otherwise the service's own spec.provider.port decides.",
              examples: [8080],
            }),
          ),
          healthPath: Type.Optional(
            Type.String({
              pattern: '^/[A-Za-z0-9/._~-]{0,200}$',
              description: 'Path each instance must answer 200 on with the image version (default "/").',
              examples: ['/'],
            }),
          ),
        },
        { additionalProperties: false, description: 'Provider options.' },
      ),
    ),
  },
  { additionalProperties: false },
);

export type ClusterSpec = Static<typeof clusterSpec>;

const clusterMachine = setup({
  types: {} as {
    events:
      | { type: 'LAUNCH' }
      | { type: 'PROMOTE' }
      | { type: 'DEMOTE' }
      | { type: 'VERIFY' }
      | { type: 'DESTROY' }
      | { type: 'SUCCESS' }
      | { type: 'FAILURE' }
      | { type: 'CANCEL' };
    meta: StepMeta<'launch' | 'verify' | 'promote' | 'destroy'>;
  },
}).createMachine({
  id: 'cluster',
  initial: 'pending',
  states: {
    pending: { on: { LAUNCH: 'launching', DESTROY: 'destroying' } },
    launching: {
      meta: { step: 'launch' },
      on: { SUCCESS: 'verifying', FAILURE: 'failed', CANCEL: 'pending' },
    },
    verifying: { meta: { step: 'verify' }, on: { SUCCESS: 'ready', FAILURE: 'failed', CANCEL: 'failed' } },
    ready: { on: { PROMOTE: 'promoting', DESTROY: 'destroying' } },
    promoting: { meta: { step: 'promote' }, on: { SUCCESS: 'live', FAILURE: 'failed', CANCEL: 'failed' } },
    live: { on: { DEMOTE: 'standby', VERIFY: 'live', DESTROY: 'destroying' } },
    standby: { on: { PROMOTE: 'promoting', VERIFY: 'standby', DESTROY: 'destroying' } },
    failed: { on: { LAUNCH: 'launching', DESTROY: 'destroying' } },
    destroying: {
      meta: { step: 'destroy' },
      on: { SUCCESS: 'destroyed', FAILURE: 'failed', CANCEL: 'failed' },
    },
    destroyed: { type: 'final' },
  },
});

export const clusterKind = defineKind({
  name: 'cluster',
  plural: 'clusters',
  title: 'Cluster',
  description:
    'Instances of a built image serving a service. Deployed blue/green: a new cluster is launched and verified beside the live one, then promoted; the old one stays up in standby so swapping back is one more promote.',
  spec: clusterSpec,
  specExample: { service: 'web-production', image: '01JDQ3M5T2Q3W3K5A3B8C9D0EF', size: 2 },
  steps: ['launch', 'verify', 'promote', 'destroy'],
  machine: clusterMachine,
  targets: {
    ready: { description: 'Launch the instances and verify every one answers with the image version.' },
    live: {
      description:
        "Take the service's traffic. The cluster that was live moves to standby in the same run, its instances still up.",
    },
    destroyed: {
      description: 'Stop the instances and free their ports.',
      reasonRequired: true,
      forceFrom: ['live'],
    },
  },
  internalEvents: ['DEMOTE', 'VERIFY'],
  exclusive: {
    state: 'live',
    groupField: 'service',
    displaceEvent: 'DEMOTE',
  },
  references: [{ field: 'image', kind: 'image', states: ['built'] }],
  actions: {
    verify: {
      event: 'VERIFY',
      step: 'verify',
      allowedIn: ['live', 'standby'],
      summary: 'Re-run the checks on a live or standby cluster',
      description:
        'Runs the verification checks against the actual instances (process up, port open, HTTP answers with the image version) and records the result as a VERIFY transition on the audit trail. Answers 202 with the run; the run fails naming every failing instance. Answers "is this cluster still fit to swap back to?".',
    },
  },
  editableIn: ['pending', 'failed'],
  analytics: {
    headline: { target: 'live', label: 'deploy time' },
    groupBy: { service: { field: 'service' }, provider: { field: 'provider.type', default: 'local' } },
  },
});
