import type { ResourceService } from '@slipway/domain';
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { principalOf } from '../http/authentication';
import { problemResponses } from '../http/problem';
import { signedIn } from '../http/route-permission';
import { IdempotencyHeaders } from '../schemas/common-schemas';
import {
  CancelBody,
  RunEntity,
  RunPage,
  RunQuery,
  TransitionPage,
  transitionQuery,
} from '../schemas/run-schemas';
import { type QueueConsumers, queueReport } from './queue-consumers';

const RunParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, description: 'The run id.' }),
});

export function registerRunRoutes(
  app: FastifyInstance,
  service: ResourceService,
  queue?: QueueConsumers,
  /** The analytics dimensions kinds declare, offered as transition filters (`service`, `provider`). */
  dimensions: readonly string[] = [],
): void {
  const TransitionQuery = transitionQuery(dimensions);
  app.get<{ Querystring: Static<typeof RunQuery> }>(
    '/v1/runs',
    {
      config: {
        permission: signedIn(
          'without a `kind` filter it needs read on every kind (403 otherwise); with one, read on that kind',
        ),
      },
      schema: {
        operationId: 'listRuns',
        summary: 'List and search runs',
        description:
          'Every run of every kind you may read, newest first (order=asc for oldest first): who asked, why, the target, status and timings. Filter by kind, resource, status, target (a state or action:<name>), actor (requestedBy) and time (on createdAt); page with limit and cursor, which stay correct while new runs arrive.',
        tags: ['runs'],
        querystring: RunQuery,
        response: { 200: RunPage, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { limit, ...filters } = request.query;
      return service.listRuns({ ...filters, limit: limit ?? 50 }, principalOf(request));
    },
  );

  app.get<{ Params: Static<typeof RunParams> }>(
    '/v1/runs/:id',
    {
      config: {
        permission: signedIn('a run of a kind the caller may not read answers 404 like a missing one'),
      },
      schema: {
        operationId: 'getRun',
        summary: 'Get a run',
        description:
          'Status, current step and attempt, timings and error of a run. Poll it to follow progress. A queued run on the BullMQ executor also says how many workers consume its queue (`queue`), so a run that waits for a worker that is not running says so.',
        tags: ['runs'],
        params: RunParams,
        response: { 200: RunEntity, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const run = await service.getRun(request.params.id, principalOf(request));
      if (run.status !== 'queued' || !queue) return run;
      // Redis away: the run is still readable, only without the report.
      const workers = await queue.count().catch(() => null);
      return workers === null ? run : { ...run, queue: queueReport(queue.queueName, workers) };
    },
  );

  app.post<{ Params: Static<typeof RunParams>; Body: Static<typeof CancelBody> | undefined }>(
    '/v1/runs/:id/cancel',
    {
      config: {
        permission: signedIn(
          "`{kind}:transition` on the run's kind (403); a run of a kind the caller may not read answers 404",
        ),
      },
      schema: {
        operationId: 'cancelRun',
        summary: 'Cancel a run',
        description:
          'A queued run ends cancelled at once. A running one is marked cancelling: its provider step is aborted, cleanup runs, the resource leaves the working state through a recorded CANCEL transition, and the run ends cancelled. 409 if the run already ended.',
        tags: ['runs'],
        params: RunParams,
        headers: IdempotencyHeaders,
        body: CancelBody,
        response: { 202: RunEntity, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      const run = await service.cancelRun(request.params.id, principalOf(request), request.body?.reason);
      reply.code(202).header('location', `/v1/runs/${run.id}`);
      return run;
    },
  );

  app.get<{ Querystring: Static<typeof TransitionQuery> }>(
    '/v1/transitions',
    {
      config: {
        permission: signedIn(
          'without a `kind` filter it needs read on every kind (403 otherwise); with one, read on that kind',
        ),
      },
      schema: {
        operationId: 'listTransitions',
        summary: 'Search the audit log',
        description:
          'Every state change of every resource, oldest first (order=desc for newest first): who (actor), which run, its target, reason and request id, from/to, event, outcome, step, duration, provider outputs and a log excerpt, so an audit question is one query. Filter by kind, resource, run, actor, event, entered state (to), outcome, the run\u2019s declared dimensions (service, provider) and time (on endedAt); pages stay correct while new records arrive.',
        tags: ['audit'],
        querystring: TransitionQuery,
        response: { 200: TransitionPage, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { limit, ...rest } = request.query as Static<typeof TransitionQuery> & Record<string, unknown>;
      const groups: Record<string, string> = {};
      const filters: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(rest)) {
        if (dimensions.includes(name) && typeof value === 'string') groups[name] = value;
        else filters[name] = value;
      }
      return service.listTransitions(
        { ...filters, ...(Object.keys(groups).length > 0 ? { groups } : {}), limit: limit ?? 50 },
        principalOf(request),
      );
    },
  );
}
