import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { problem, problemResponses, sendProblem } from '../http/problem';
import type { QueueConsumers } from './queue-consumers';

const Health = Type.Object({
  status: Type.Literal('ok'),
  checks: Type.Record(Type.String(), Type.String(), {
    description: 'Per backend: "ok (<backend>)", e.g. {"store": "ok (mongodb)", "executor": "ok (bullmq)"}.',
  }),
  workers: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        'Worker processes consuming the run queue, with the BullMQ executor only. 0 leaves the API ready (it still takes requests) but nothing walks the runs it queues until a worker starts.',
    }),
  ),
});

/** A backend `/health/ready` asks: the store, the executor's queue. */
export interface BackendCheck {
  name: string;
  /** What runs it (`lmdb`, `mongodb`, `inline`, `bullmq`), reported beside the verdict. */
  backend: string;
  ping(): Promise<void>;
}

export function registerHealthRoutes(
  app: FastifyInstance,
  backends: readonly BackendCheck[],
  queue?: QueueConsumers,
): void {
  app.get(
    '/health/live',
    {
      schema: {
        operationId: 'live',
        summary: 'Liveness',
        description: 'Answers 200 while the process serves HTTP.',
        tags: ['health'],
        security: [],
        response: { 200: Health },
      },
    },
    async () => ({ status: 'ok' as const, checks: {} }),
  );
  app.get(
    '/health/ready',
    {
      schema: {
        operationId: 'ready',
        summary: 'Readiness',
        description:
          'Answers 200 when every backend answers (the store, and the queue when the executor has one), with which backend each is and, with the BullMQ executor, how many workers consume the queue (none is no reason to be unready); 503 naming each failing backend otherwise.',
        tags: ['health'],
        security: [],
        response: { 200: Health, ...problemResponses(503) },
      },
    },
    async (_request, reply) => {
      const verdicts = await Promise.all(
        backends.map(async (check) => {
          try {
            await check.ping();
            return { name: check.name, ok: true, text: `ok (${check.backend})` };
          } catch (error) {
            const why = error instanceof Error ? error.message : String(error);
            return { name: check.name, ok: false, text: `down (${check.backend}): ${why}` };
          }
        }),
      );
      const checks = Object.fromEntries(verdicts.map((verdict) => [verdict.name, verdict.text]));
      const down = verdicts.filter((verdict) => !verdict.ok);
      if (down.length > 0) {
        return sendProblem(
          reply,
          problem(
            'service_unavailable',
            down.map((verdict) => `${verdict.name}: ${verdict.text}`).join('; '),
            {
              checks,
            },
          ),
        );
      }
      const workers = await queue?.count().catch(() => undefined);
      return { status: 'ok' as const, checks, ...(workers === undefined ? {} : { workers }) };
    },
  );
}
