import rateLimit from '@fastify/rate-limit';
import { type Principal, SlipwayError } from '@slipway/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Authenticator } from '../auth/user-authenticator';
import { problemResponses } from './problem';
import { type Decision, decide, describePermission, type RoutePermission } from './route-permission';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The bearer token the request came with, to check again during a long response (a run's events). */
    bearerToken: string | null;
  }
  interface FastifyInstance {
    /** Every route as registered, with whether it is served without a token and what it needs. */
    routeTable: RouteEntry[];
  }
  interface FastifyContextConfig {
    /** Served without a token (health, the OpenAPI document, the docs). */
    public?: boolean;
    /** What a protected route needs of its caller: every protected route declares it. */
    permission?: RoutePermission;
  }
}

export interface RouteEntry {
  readonly method: string;
  readonly url: string;
  readonly public: boolean;
  readonly permission: RoutePermission | undefined;
}

/** Failed authentications one client address may make in `FAILED_AUTH_WINDOW` before 429s. */
export const FAILED_AUTH_LIMIT = 20;
export const FAILED_AUTH_WINDOW = '1 minute';

/**
 * A route is public when its schema declares no security (`security: []`, which the OpenAPI
 * document shows too) or its config says so (the docs plugin's routes).
 */
function isPublic(route: RouteOptions): boolean {
  const security = route.schema?.security;
  return route.config?.public === true || (Array.isArray(security) && security.length === 0);
}

function refuse(
  decision: Exclude<Decision, 'allow'>,
  route: RoutePermission,
  params: Record<string, string>,
): never {
  if (decision === 'not_found') {
    // Word for word what a missing id gets from the service, so the two cannot be told apart.
    throw new SlipwayError('resource_not_found', `No ${route.kind} with id "${params.id}".`);
  }
  throw new SlipwayError('forbidden', `This needs the "${route.permission}" permission.`);
}

/**
 * Every route needs `Authorization: Bearer <token>` unless it is declared public, and then the
 * permission its config declares. Both are decided per matched route, never on the raw URL: the
 * router percent-decodes paths, so `/%761/kinds` reaches the `/v1/kinds` handler and its decision.
 * They run first on the route, before the body is read or validated. Failed authentications (not
 * requests) are counted per client address by @fastify/rate-limit; past the limit they get 429
 * with Retry-After, while valid tokens from the same address keep working.
 */
export async function installAuthentication(
  app: FastifyInstance,
  authenticator: Authenticator,
): Promise<void> {
  app.decorateRequest('principal', null);
  app.decorateRequest('bearerToken', null);
  app.decorate('routeTable', []);
  await app.register(rateLimit, { global: false });
  const countFailure = app.rateLimit({
    max: FAILED_AUTH_LIMIT,
    timeWindow: FAILED_AUTH_WINDOW,
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (_request, context) =>
      new SlipwayError(
        'too_many_failed_authentications',
        `Too many failed authentications from this address; retry in ${context.after} with a valid token.`,
      ),
  });

  const fail = async (request: FastifyRequest, reply: FastifyReply, error: SlipwayError): Promise<never> => {
    await countFailure.call(app, request, reply);
    throw error;
  };

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      reply.header('www-authenticate', 'Bearer realm="slipway"');
      // No credentials is not a guess at one: it is not counted.
      throw new SlipwayError(
        'unauthorized',
        'Send "Authorization: Bearer <token>"; the admin token is printed at first start.',
      );
    }
    const principal = await authenticator.authenticate(match[1]!);
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="slipway", error="invalid_token"');
      await fail(
        request,
        reply,
        new SlipwayError(
          'unauthorized',
          'The bearer token is not valid (unknown, revoked, expired, or its user is not active).',
        ),
      );
    }
    request.principal = principal;
    request.bearerToken = match[1]!;
  };

  // Hooks of an encapsulated plugin (the docs) see a route after this one does, so publicness is
  // read from the route's options when they are final: at request time and when the table is read.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const permission = route.config?.permission;
    if (permission && route.schema && !route.schema.hide) {
      const schema = route.schema as Record<string, unknown>;
      schema['x-slipway-permission'] = permission.permission;
      if (permission.kind) schema['x-slipway-permission-kind'] = permission.kind;
      const text = describePermission(permission);
      if (typeof schema.description === 'string' && !schema.description.includes(text)) {
        schema.description = `${schema.description} ${text}`;
      }
      // Any protected route answers 429 once its caller's address is past the failed-authentication
      // limit, so each one documents it rather than each route listing it by hand.
      const responses = schema.response as Record<string, unknown> | undefined;
      if (responses && !('429' in responses)) Object.assign(responses, problemResponses(429));
    }
    for (const method of methods) {
      app.routeTable.push({
        method,
        url: route.url,
        permission,
        get public() {
          return isPublic(route);
        },
      });
    }
    const guard = async (request: FastifyRequest, reply: FastifyReply) => {
      if (isPublic(route)) return;
      await authenticate(request, reply);
      if (!permission)
        throw new SlipwayError('forbidden', 'This route declares no permission: nobody may call it.');
      const params = (request.params ?? {}) as Record<string, string>;
      const decision = decide(request.principal as Principal, permission, params);
      if (decision !== 'allow') refuse(decision, permission, params);
    };
    const existing = route.onRequest;
    route.onRequest = [guard, ...(existing === undefined ? [] : [existing].flat())];
  });
}

/** Refuses to start an app with a protected route that declares no permission. */
export function assertEveryRouteDeclaresPermission(app: FastifyInstance): void {
  const missing = app.routeTable.filter((route) => !route.public && !route.permission);
  if (missing.length > 0) {
    throw new Error(
      `These routes declare no permission (config.permission): ${missing.map((route) => `${route.method} ${route.url}`).join(', ')}`,
    );
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new SlipwayError('unauthorized', 'Not authenticated.');
  return request.principal;
}
