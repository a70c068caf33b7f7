import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { problemResponses } from '../http/problem';
import { kindPermission } from '../http/route-permission';
import { RunEntity } from '../schemas/run-schemas';
import type { RouteContext } from './kind-module';
import { FreezeReason, setFrozen } from './service-freeze';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Body = Type.Object({ reason: FreezeReason }, { additionalProperties: false });

/**
 * Aliases of `PATCH /v1/services/{id} {frozen, reason}` kept for scripts written against them:
 * `freeze` and `unfreeze` answer the finished run instead of the service.
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
          summary: frozen
            ? 'Freeze deploys of a service (alias of PATCH {frozen: true})'
            : 'Lift the deploy freeze of a service (alias of PATCH {frozen: false})',
          description: frozen
            ? 'Same as PATCH /v1/services/{id} {"frozen": true, "reason"}: refuses promotes of the service\'s clusters (409 service_frozen, naming who froze it and why) until it is unfrozen. Recorded at once as a FREEZE transition with the actor and the reason; answers 201 with the finished run.'
            : 'Same as PATCH /v1/services/{id} {"frozen": false, "reason"}: allows promotes again. Recorded at once as an UNFREEZE transition with the actor and the reason; answers 201 with the finished run.',
          tags: ['services'],
          params: Params,
          body: Body,
          response: { 201: RunEntity, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 503) },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const run = await setFrozen(
          service,
          request.params.id,
          { frozen, reason: request.body.reason, expectedVersion: null },
          principal,
        );
        reply.code(201).header('location', `/v1/runs/${run.id}`);
        return run;
      },
    );
  }
}
