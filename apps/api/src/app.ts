import { AnalyticsReads, type KindRegistry, type ResourceService, type Store } from '@slipway/domain';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { monotonicFactory } from 'ulid';
import type { Authenticator } from './auth/user-authenticator';
import { assertEveryRouteDeclaresPermission, installAuthentication } from './http/authentication';
import { installIdempotency } from './http/idempotency';
import { installJsonBodyParser } from './http/json-body-parser';
import { installOpenApi } from './http/openapi';
import { frameworkErrors, installProblemHandlers } from './http/problem-handlers';
import { OneLinePerRequest } from './http/request-log';
import { installValidatorCompilers } from './http/validator-compilers';
import type { KindModule } from './kinds/kind-module';
import { SlipwayMetrics } from './metrics/slipway-metrics';
import { registerAnalyticsPage } from './routes/analytics-page';
import { registerAnalyticsRoutes } from './routes/analytics-routes';
import { type BackendCheck, registerHealthRoutes } from './routes/health-routes';
import { registerKindRoutes } from './routes/kind-routes';
import { registerKindsRoutes } from './routes/kinds-routes';
import { registerMeRoutes } from './routes/me-routes';
import { registerMetricsRoutes } from './routes/metrics-routes';
import { registerModuleRoutes } from './routes/module-routes';
import type { QueueConsumers } from './routes/queue-consumers';
import { registerRunEventRoutes } from './routes/run-event-routes';
import { registerRunRoutes } from './routes/run-routes';

export interface AppOptions {
  service: ResourceService;
  kinds: KindRegistry;
  store: Store;
  /** What `/health/ready` asks. */
  backends: readonly BackendCheck[];
  /** The run queue's workers, when separate worker processes walk the runs (BullMQ). */
  queue?: QueueConsumers;
  authenticator: Authenticator;
  /** Kind modules whose extra routes to serve (`KindModule.routes`); none by default. */
  modules?: readonly Pick<KindModule, 'kind' | 'routes' | 'patch'>[];
  /** What `/metrics` serves; a fresh registry when not given. */
  metrics?: SlipwayMetrics;
  /** pino options, or false for silence (tests). @defaultValue false */
  logger?: FastifyServerOptions['logger'];
}

const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

// Request ids only correlate log lines, they guard nothing: Math.random instead of ulid's default
// (one crypto getRandomValues call per character, a fifth of the CPU of a GET in the benchmark),
// monotonic so ids of one millisecond still sort.
const requestId = monotonicFactory(() => Math.random());

/** Builds the HTTP app without listening; tests drive it with `inject`, main.ts listens. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && CALLER_REQUEST_ID.test(given) ? given : requestId();
    },
    // Long enough that an over-long id reaches schema validation and gets a field-level 400.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    frameworkErrors,
    logController: new OneLinePerRequest(),
  });
  installValidatorCompilers(app);
  installJsonBodyParser(app);
  installProblemHandlers(app);
  // Before authentication, so a 401 carries the request id too.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  await installAuthentication(app, options.authenticator);
  await installIdempotency(app, options.store);
  await installOpenApi(app, options.kinds);
  registerHealthRoutes(app, options.backends, options.queue);
  registerMetricsRoutes(app, options.metrics ?? new SlipwayMetrics());
  registerKindsRoutes(app, options.kinds);
  const patchFields = new Map(
    (options.modules ?? []).flatMap((module) =>
      module.patch ? [[module.kind.name, module.patch] as const] : [],
    ),
  );
  registerKindRoutes(app, options.kinds, options.service, patchFields);
  await registerModuleRoutes(app, options.modules ?? [], options.kinds, options.service, options.store);
  const analytics = new AnalyticsReads({ store: options.store, kinds: options.kinds });
  registerRunRoutes(app, options.service, options.queue, analytics.declaredDimensions());
  registerAnalyticsRoutes(app, analytics);
  registerAnalyticsPage(app);
  registerRunEventRoutes(app, options.service, options.store, { authenticator: options.authenticator });
  registerMeRoutes(app);
  await app.ready();
  assertEveryRouteDeclaresPermission(app);
  return app;
}
