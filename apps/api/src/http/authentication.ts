import { type Principal, SlipwayError } from '@slipway/domain';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/admin-token';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Everything under /v1 needs `Authorization: Bearer <token>`; health and docs stay open. */
export function installAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/') && request.url !== '/v1') return;
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
  });
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new SlipwayError('unauthorized', 'Not authenticated.');
  return request.principal;
}
