import { SlipwayError } from '@slipway/domain';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { problemResponses } from '../http/problem';
import { kindPermission } from '../http/route-permission';
import { RunEntity } from '../schemas/run-schemas';
import type { RouteContext } from './kind-module';
import { frozenOf } from './service-guards';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Body = Type.Object(
  {
    reason: Type.String({
      minLength: 1,
      maxLength: 1000,
      description: 'Why, for the audit trail (shown to whoever is refused a promote).',
      examples: ['release freeze over the holidays'],
    }),
  },
  { additionalProperties: false },
);

/**
 * The deploy freeze: `freeze` and `unfreeze`, each recorded at once as a run with one transition
 * (events FREEZE and UNFREEZE, active → active) carrying the actor and the reason. While frozen,
 * `status.frozen` says who froze it, when and why, and promotes of its clusters are refused.
 */
export function registerFreezeRoutes(scope: FastifyInstance, { service, principalOf }: RouteContext): void {
  for (const [action, frozen] of [
    ['freeze', true],
    ['unfreeze', false],
  ] as const) {
    scope.post<{ Params: { id: string }; Body: { reason: string } }>(
      `/:id/${action}`,
      {
        config: { permission: kindPermission('service', 'transition') },
        schema: {
          operationId: `${action}Service`,
          summary: frozen ? 'Freeze deploys of a service' : 'Lift the deploy freeze of a service',
          description: frozen
            ? "Refuses promotes of the service's clusters (409 service_frozen, naming who froze it and why) until it is unfrozen. Recorded at once as a FREEZE transition with the actor and the reason; answers 201 with the finished run."
            : 'Allows promotes again. Recorded at once as an UNFREEZE transition with the actor and the reason; answers 201 with the finished run.',
          tags: ['services'],
          params: Params,
          body: Body,
          response: { 201: RunEntity, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 503) },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const current = await service.get('service', request.params.id, principal);
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
        const reason = request.body.reason.trim();
        if (!reason) throw new SlipwayError('reason_required', `${action} needs a reason: set "reason".`);
        const at = new Date().toISOString();
        const run = await service.recordEvent(
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
        reply.code(201).header('location', `/v1/runs/${run.id}`);
        return run;
      },
    );
  }
}
