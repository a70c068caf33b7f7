import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { problem, problemResponses, sendProblem } from '../http/problem';

const Health = Type.Object({
  status: Type.Literal('ok'),
  checks: Type.Record(Type.String(), Type.String(), {
    description: 'Per backend: "ok (<backend>)", e.g. {"store": "ok (mongodb)", "executor": "ok (bullmq)"}.',
  }),
});

/** A backend `/health/ready` asks: the store, the executor's queue. */
export interface BackendCheck {
  name: string;
  /** What runs it (`lmdb`, `mongodb`, `inline`, `bullmq`), reported beside the verdict. */
  backend: string;
  ping(): Promise<void>;
}

export function registerHealthRoutes(app: FastifyInstance, backends: readonly BackendCheck[]): void {
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
          'Answers 200 when every backend answers (the store, and the queue when the executor has one), with which backend each is; 503 naming each failing backend otherwise.',
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
      return { status: 'ok' as const, checks };
    },
  );
}
