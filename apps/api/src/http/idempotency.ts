import { createHash } from 'node:crypto';
import { SlipwayError, type Store } from '@slipway/domain';
import type {
  FastifyInstance,
  onResponseAsyncHookHandler,
  onSendAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { key: string; fingerprint: string } | null;
  }
}

const REPLAYED_HEADERS = ['location', 'etag', 'content-type'] as const;

/**
 * Honours `Idempotency-Key` on every POST: the first request with a key owns it; a retry with the
 * same body replays the stored 2xx response; the same key on a different request is refused.
 * Only successes are stored: a refused request changed nothing, so retrying it is safe anyway.
 */
export function installIdempotency(app: FastifyInstance, store: Store): void {
  app.decorateRequest('idempotency', null);

  const reserve: preHandlerAsyncHookHandler = async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !request.principal) return;
    const scoped = `${request.principal.id}\u0000${key}`;
    const fingerprint = createHash('sha256')
      .update(`${request.method} ${request.url}\u0000${JSON.stringify(request.body ?? null)}`)
      .digest('hex');
    const reservation = await store.reserveIdempotency(scoped, fingerprint);
    if (reservation.kind === 'in-progress') {
      throw new SlipwayError(
        'idempotency_in_progress',
        `A request with Idempotency-Key "${key}" is still being handled; retry shortly.`,
      );
    }
    if (reservation.kind === 'completed') {
      if (reservation.fingerprint !== fingerprint) {
        throw new SlipwayError(
          'idempotency_key_reused',
          `Idempotency-Key "${key}" was used for a different request; use a new key for a new request.`,
        );
      }
      const { status, headers, body } = reservation.response;
      reply.code(status).headers(headers).header('idempotent-replayed', 'true');
      return reply.send(body);
    }
    request.idempotency = { key: scoped, fingerprint };
  };

  const complete: onSendAsyncHookHandler = async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim) return payload;
    request.idempotency = null;
    if (reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === 'string') {
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name);
        if (typeof value === 'string') headers[name] = value;
      }
      await store.completeIdempotency(claim.key, claim.fingerprint, {
        status: reply.statusCode,
        headers,
        body: payload,
      });
    } else {
      await store.releaseIdempotency(claim.key);
    }
    return payload;
  };

  // A request that never reached onSend (client gone) must not hold its key forever.
  const release: onResponseAsyncHookHandler = async (request) => {
    if (request.idempotency) await store.releaseIdempotency(request.idempotency.key);
  };

  // Only POST routes carry the hooks, so reads pay nothing for idempotency.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('POST')) return;
    route.preHandler = [...asArray(route.preHandler), reserve];
    route.onSend = [...asArray(route.onSend), complete];
    route.onResponse = [...asArray(route.onResponse), release];
  });
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
