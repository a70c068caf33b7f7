import type { AnalyticsReads } from '@slipway/domain';
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/authentication';
import { problemResponses } from '../http/problem';
import { signedIn } from '../http/route-permission';
import { DurationsReportSchema, durationsQuery } from '../schemas/analytics-schemas';
import { durationsCsv } from './durations-csv';

/** `GET /v1/analytics/durations`, as JSON or (Accept: text/csv) CSV. */
export function registerAnalyticsRoutes(app: FastifyInstance, analytics: AnalyticsReads): void {
  const dimensions = analytics.declaredDimensions();
  const Query = durationsQuery(dimensions);
  app.get<{ Querystring: Static<typeof Query> }>(
    '/v1/analytics/durations',
    {
      config: { permission: signedIn('read on every kind the report covers (403 otherwise)') },
      schema: {
        operationId: 'getDurations',
        summary: 'Deploy and bake time analytics',
        description:
          'Per group: count, failures, failure rate, mean, p50/p90/p95/p99 and max of run durations (deploy time: cluster runs to live; bake time: image runs to built) and of each provider step, and the mean time between failures. Read from histograms rolled up as runs finish (per kind, target, step, outcome, dimension values and hour), so a query costs the buckets in range, never the raw records. Send Accept: text/csv for one CSV row per group and series.',
        tags: ['analytics'],
        querystring: Query,
        response: {
          200: {
            description: 'The report (JSON), or the same figures as CSV.',
            content: {
              'application/json': { schema: DurationsReportSchema },
              'text/csv': { schema: Type.String({ description: 'group,series,count,failures,…' }) },
            },
          },
          ...problemResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const { kind, target, since, until, groupBy, ...rest } = request.query as Static<typeof Query> &
        Record<string, string | undefined>;
      const groups: Record<string, string> = {};
      for (const name of dimensions) if (typeof rest[name] === 'string') groups[name] = rest[name];
      const report = await analytics.durations(
        {
          ...(kind === undefined ? {} : { kind }),
          ...(target === undefined ? {} : { target }),
          ...(since === undefined ? {} : { since }),
          ...(until === undefined ? {} : { until }),
          ...(groupBy === undefined ? {} : { groupBy }),
          ...(Object.keys(groups).length > 0 ? { groups } : {}),
        },
        principalOf(request),
      );
      if (prefersCsv(request.headers.accept)) {
        reply.type('text/csv; charset=utf-8');
        return durationsCsv(report);
      }
      return report;
    },
  );
}

function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const csv = accept.indexOf('text/csv');
  const json = accept.indexOf('application/json');
  return csv >= 0 && (json < 0 || csv < json);
}
