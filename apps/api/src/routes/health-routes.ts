import type { Store } from '@slipway/domain';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { problem, problemResponses, sendProblem } from '../http/problem';

const Health = Type.Object({
  status: Type.Literal('ok'),
  checks: Type.Record(Type.String(), Type.Literal('ok')),
});

export function registerHealthRoutes(app: FastifyInstance, store: Store): void {
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
        description: 'Answers 200 when the store answers; 503 naming the failing backend otherwise.',
        tags: ['health'],
        security: [],
        response: { 200: Health, ...problemResponses(503) },
      },
    },
    async (_request, reply) => {
      try {
        await store.ping();
      } catch (error) {
        return sendProblem(
          reply,
          problem('service_unavailable', `store: ${error instanceof Error ? error.message : String(error)}`),
        );
      }
      return { status: 'ok' as const, checks: { store: 'ok' as const, executor: 'ok' as const } };
    },
  );
}
