import { type Principal, type Resource, type ResourceService, type Run, SlipwayError } from '@slipway/domain';
import { Type } from 'typebox';
import type { PatchFields } from './kind-module';
import { frozenOf } from './service-guards';

/**
 * Freezes or unfreezes a service: recorded at once as a run with one transition (FREEZE or
 * UNFREEZE, active → active) carrying the actor and the reason; `status.frozen` says who froze it,
 * when and why while it lasts.
 */
export async function setFrozen(
  service: ResourceService,
  id: string,
  change: { frozen: boolean; reason: string; expectedVersion: number | null },
  principal: Principal,
): Promise<Run> {
  const { frozen } = change;
  const action = frozen ? 'freeze' : 'unfreeze';
  const current = await service.get('service', id, principal);
  if (change.expectedVersion !== null && change.expectedVersion !== current.version) {
    throw new SlipwayError(
      'precondition_failed',
      `If-Match names version ${change.expectedVersion} but the service is at version ${current.version}; GET it again and retry.`,
      { currentVersion: current.version },
    );
  }
  if (current.state !== 'active') {
    throw new SlipwayError(
      'action_not_allowed',
      `${action} needs an active service; this one is ${current.state}.`,
      { state: current.state },
    );
  }
  if ((frozenOf(current) !== null) === frozen) {
    throw new SlipwayError(
      'already_in_target',
      `Service ${current.name} is already ${frozen ? 'frozen' : 'not frozen'}.`,
    );
  }
  const reason = change.reason.trim();
  if (!reason) throw new SlipwayError('reason_required', `${action} needs a reason: set "reason".`);
  const at = new Date().toISOString();
  return service.recordEvent(
    'service',
    current.id,
    {
      event: frozen ? 'FREEZE' : 'UNFREEZE',
      to: current.state,
      reason,
      outputs: { frozen, reason },
      status: { frozen: frozen ? { by: principal.id, reason, at } : null },
    },
    principal,
  );
}

export const FreezeReason = Type.String({
  minLength: 1,
  maxLength: 1000,
  description: 'Why, for the audit trail (shown to whoever is refused a promote).',
  examples: ['release freeze over the holidays'],
});

/** `PATCH /v1/services/{id} {frozen, reason}`: the deploy freeze through the generic PATCH. */
export const freezePatch: PatchFields = {
  properties: {
    frozen: Type.Boolean({
      description:
        'The deploy freeze: true refuses promotes of the service\'s clusters (409 service_frozen, naming who froze it and why) until a PATCH sets it false. Needs "reason", and no spec or labels in the same PATCH.',
    }),
    reason: FreezeReason,
  },
  description:
    'A service also takes {"frozen": true|false, "reason": "..."} (on its own, active services only): the deploy freeze, recorded at once as a FREEZE or UNFREEZE transition carrying the actor and the reason; answers the service with status.frozen.',
  async apply({ id, fields, expectedVersion, principal, service }): Promise<Resource> {
    const { frozen, reason } = fields as { frozen?: boolean; reason?: string };
    if (frozen === undefined) {
      throw new SlipwayError(
        'validation_failed',
        '"reason" goes with "frozen": set "frozen": true or false.',
      );
    }
    if (reason === undefined) {
      throw new SlipwayError(
        'reason_required',
        `${frozen ? 'A freeze' : 'An unfreeze'} needs a reason: set "reason".`,
      );
    }
    await setFrozen(service, id, { frozen, reason, expectedVersion }, principal);
    return service.get('service', id, principal);
  },
};
