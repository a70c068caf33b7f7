import { failed, type ResourceStore, type StepHook, succeeded } from '@slipway/domain';
import { frozenOf } from './service-guards';
import { findService } from './service-lookup';

const POLL_MS = 250;
const WAIT_MS = 300_000;

/**
 * Before a cluster's promote: its service must be active and not frozen, so the swap has a front
 * door to go through. A service still provisioning (created with the cluster) is waited for; one that failed,
 * or is pending with no run, fails the promote, naming it.
 */
export function frontDoorHook(store: ResourceStore): StepHook {
  return {
    name: 'service.front-door',
    kind: 'cluster',
    step: 'promote',
    phase: 'before',
    async run(context) {
      const name = String(context.resource.spec.service);
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const service = await findService(store, name);
        if (service?.state === 'active') {
          // Admission checked the freeze, but a freeze that landed since (while the promote was
          // queued or waited for the service) refuses it here, before any traffic moves.
          const frozen = frozenOf(service);
          if (frozen) {
            return failed(
              'service_frozen',
              `service ${name} was frozen by ${frozen.by} at ${frozen.at}: "${frozen.reason}"; promote again once it is unfrozen`,
            );
          }
          return succeeded({ serviceId: service.id, url: service.status.url ?? null });
        }
        const waiting =
          service && ['pending', 'provisioning', 'failed'].includes(service.state) && service.activeRunId;
        if (!waiting || Date.now() >= deadline) {
          return failed(
            'service_not_active',
            service
              ? `service ${name} (${service.id}) is ${service.state}${waiting ? ` after ${WAIT_MS / 1000}s` : ''}; promote again once it is active`
              : `no service is named ${name}`,
          );
        }
        if (context.signal.aborted)
          return failed('cancelled', `stopped waiting for service ${name} to be active`);
        context.log(`waiting for service ${name} (${service.state}) to be active`);
        await new Promise((done) => setTimeout(done, POLL_MS));
      }
    },
  };
}
