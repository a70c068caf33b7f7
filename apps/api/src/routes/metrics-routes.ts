import type { FastifyInstance } from 'fastify';
import type { SlipwayMetrics } from '../metrics/slipway-metrics';

/**
 * `GET /metrics` for Prometheus, public like the health routes: it holds counts and durations
 * labelled by route pattern, kind, target, outcome and store operation, never an id, a name, a
 * URL as requested or a token, so a scraper needs no credential (and the admin token, the only
 * one there is, would be too much to hand it).
 */
export function registerMetricsRoutes(app: FastifyInstance, metrics: SlipwayMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    // The pattern, not the URL: ids in paths would make a series per resource.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });
  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        summary: 'Metrics for Prometheus',
        description:
          'Prometheus text format (prom-client): `slipway_http_requests_total` and `slipway_http_request_duration_seconds` by route pattern and status; `slipway_runs_started_total`, `slipway_runs_finished_total` and `slipway_run_duration_seconds` by kind, target and outcome, for the runs this process started and ended (with the BullMQ executor the workers end them: scrape their `/metrics` too); `slipway_active_runs` by status and `slipway_queue_jobs` by BullMQ state, read at scrape time but at most once every 5 s (one read shared by concurrent scrapes, so scraping cannot load the store); `slipway_store_operation_duration_seconds` by operation; and process metrics (`slipway_process_*`). Needs no token: it holds no id, name or secret.',
        tags: ['health'],
        security: [],
        produces: ['text/plain'],
        response: {
          200: {
            description: 'The metrics in Prometheus text exposition format 0.0.4.',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
}
