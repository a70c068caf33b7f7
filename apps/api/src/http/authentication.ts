import { type Principal, SlipwayError } from '@slipway/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Authenticator } from '../auth/admin-token';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Every route as registered, with whether it is served without a token. */
    routeTable: RouteEntry[];
  }
  interface FastifyContextConfig {
    /** Served without a token (health, the OpenAPI document, the docs). */
    public?: boolean;
  }
}

export interface RouteEntry {
  readonly method: string;
  readonly url: string;
  readonly public: boolean;
}

/**
 * A route is public when its schema declares no security (`security: []`, which the OpenAPI
 * document shows too) or its config says so (the docs plugin's routes).
 */
function isPublic(route: RouteOptions): boolean {
  const security = route.schema?.security;
  return route.config?.public === true || (Array.isArray(security) && security.length === 0);
}

/**
 * Every route needs `Authorization: Bearer <token>` unless it is declared public. The decision is
 * taken per matched route, never on the raw URL: the router percent-decodes paths, so
 * `/%761/kinds` reaches the `/v1/kinds` handler while a test of the URL text would see no `/v1/`.
 */
export function installAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', null);
  app.decorate('routeTable', []);

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      reply.header('www-authenticate', 'Bearer realm="slipway"');
      throw new SlipwayError(
        'unauthorized',
        'Send "Authorization: Bearer <token>"; the admin token is printed at first start.',
      );
    }
    const principal = await authenticator.authenticate(match[1]!);
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="slipway", error="invalid_token"');
      throw new SlipwayError('unauthorized', 'The bearer token is not valid.');
    }
    request.principal = principal;
  };

  // Hooks of an encapsulated plugin (the docs) see a route after this one does, so publicness is
  // read from the route's options when they are final: at request time and when the table is read.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      app.routeTable.push({
        method,
        url: route.url,
        get public() {
          return isPublic(route);
        },
      });
    }
    const guard = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!isPublic(route)) await authenticate(request, reply);
    };
    const existing = route.onRequest;
    route.onRequest = [guard, ...(existing === undefined ? [] : [existing].flat())];
  });
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new SlipwayError('unauthorized', 'Not authenticated.');
  return request.principal;
}
