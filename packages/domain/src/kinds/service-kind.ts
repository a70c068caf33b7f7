import { type Static, Type } from 'typebox';
import { setup } from 'xstate';
import { defineKind, type StepMeta } from './kind-definition';

/** Service names become directories and the value of a cluster's `spec.service`. */
export const SERVICE_NAME_PATTERN = '^[a-z][a-z0-9-]{0,62}$';

const serviceSpec = Type.Object(
  {
    provider: Type.Optional(
      Type.Object(
        {
          type: Type.Optional(
            Type.Literal('local', { description: 'Where the front door runs (default "local").' }),
          ),
          port: Type.Optional(
            Type.Integer({
              minimum: 1024,
              maximum: 65535,
              description:
                "Port the service's load balancer listens on (local provider). A port Slipway or another service holds is refused (409); left out, a free port is picked when the service is provisioned.",
              examples: [8080],
            }),
          ),
        },
        { additionalProperties: false, description: 'The front door: its provider and settings.' },
      ),
    ),
  },
  { additionalProperties: false },
);

export type ServiceSpec = Static<typeof serviceSpec>;

const serviceMachine = setup({
  types: {} as {
    events:
      | { type: 'PROVISION' }
      | { type: 'ADOPT' }
      | { type: 'VERIFY' }
      | { type: 'REPAIR' }
      | { type: 'FREEZE' }
      | { type: 'UNFREEZE' }
      | { type: 'DESTROY' }
      | { type: 'SUCCESS' }
      | { type: 'FAILURE' }
      | { type: 'CANCEL' };
    meta: StepMeta<'provision' | 'verify' | 'repair' | 'destroy'>;
  },
}).createMachine({
  id: 'service',
  initial: 'pending',
  states: {
    // ADOPT: a service named by clusters of an older Slipway, taken over with its running balancer.
    pending: { on: { PROVISION: 'provisioning', ADOPT: 'active', DESTROY: 'destroying' } },
    provisioning: {
      meta: { step: 'provision' },
      on: { SUCCESS: 'active', FAILURE: 'failed', CANCEL: 'pending' },
    },
    active: {
      on: {
        VERIFY: 'active',
        REPAIR: 'active',
        FREEZE: 'active',
        UNFREEZE: 'active',
        DESTROY: 'destroying',
      },
    },
    failed: { on: { PROVISION: 'provisioning', DESTROY: 'destroying' } },
    destroying: {
      meta: { step: 'destroy' },
      on: { SUCCESS: 'destroyed', FAILURE: 'failed', CANCEL: 'failed' },
    },
    destroyed: { type: 'final' },
  },
});

export const serviceKind = defineKind({
  name: 'service',
  plural: 'services',
  title: 'Service',
  description:
    "What traffic is addressed by (web-production): it owns the front door (the local load balancer), its clusters take turns behind it. Create it first, then its clusters; a cluster naming a service that does not exist yet creates it. Its representation shows the endpoint (status.url), the balancer's pid and whether it answers (status.balancer), the live cluster and the standby ones.",
  spec: serviceSpec,
  specExample: { provider: { type: 'local', port: 8080 } },
  steps: ['provision', 'verify', 'repair', 'destroy'],
  machine: serviceMachine,
  targets: {
    active: {
      description: 'Start the front door (the local balancer) on its port and prove it listens.',
    },
    destroyed: {
      description:
        'Stop the front door and free its port. Refused while a cluster of the service is live, unless "force" is set (with the reason), which stops its traffic first.',
      reasonRequired: true,
    },
  },
  internalEvents: ['ADOPT', 'VERIFY', 'REPAIR', 'FREEZE', 'UNFREEZE'],
  actions: {
    verify: {
      event: 'VERIFY',
      step: 'verify',
      allowedIn: ['active'],
      summary: "Check the service's balancer",
      description:
        "Checks that the balancer process runs, answers, points at the live cluster's instances and serves requests through its port; records the result as a VERIFY transition. The run fails naming the balancer (pid, port) when it does not.",
    },
    repair: {
      event: 'REPAIR',
      step: 'repair',
      allowedIn: ['active'],
      summary: "Restart a dead balancer on the service's port",
      description:
        "Starts the balancer again when it is not running (or not answering) on the service's port, pointed at the live cluster's instances, and proves it serves; recorded as a REPAIR transition. A balancer that is fine is left alone.",
    },
  },
  editableIn: ['pending', 'failed'],
});
