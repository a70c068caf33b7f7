import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ANALYTICS_PAGE_HTML } from '../analytics-page/page-html';
import { ANALYTICS_PAGE_SCRIPT } from '../analytics-page/page-script';

/**
 * Chart.js's own UMD build, read from node_modules once: its package exports no subpath, so the
 * file is found beside the package's entry point.
 */
function chartJsBundle(): string {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8');
}

/** `/analytics`: a page that plots the durations endpoint. Public: the data needs the caller's token. */
export function registerAnalyticsPage(app: FastifyInstance): void {
  let chartJs: string | null = null;
  const hidden = { schema: { hide: true, security: [] } };
  app.get('/analytics', hidden, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(ANALYTICS_PAGE_HTML),
  );
  app.get('/analytics/page.js', hidden, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(ANALYTICS_PAGE_SCRIPT),
  );
  app.get('/analytics/chart.umd.min.js', hidden, async (_request, reply) => {
    chartJs ??= chartJsBundle();
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(chartJs);
  });
}
