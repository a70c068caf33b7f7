import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { type IdempotencyStore, SlipwayError } from '@slipway/domain';
import type {
  FastifyInstance,
  FastifyRequest,
  onResponseAsyncHookHandler,
  onSendAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import { configure } from 'safe-stable-stringify';
import { ulid } from 'ulid';
import { faultPoint } from '../fault-point';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { key: string; claimId: string; fingerprint: string } | null;
  }
}

const REPLAYED_HEADERS = ['location', 'etag', 'content-type'] as const;

/**
 * How long a reservation shuts out other requests with its key. Far longer than any POST takes (a
 * few store writes, each bounded by the driver's timeouts); only a process that stopped answering
 * without dying (or died on another host) leaves a key waiting this long. A restart on the same
 * host frees its dead predecessor's keys at once (see `releaseAbandonedReservations`).
 */
export const IDEMPOTENCY_LEASE_MS = 60_000;
/** How long a completed response is replayed for its key, as Stripe does: 24 hours. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60_000;
/** How often lapsed keys are deleted (also once at start). */
const PURGE_EVERY_MS = 60 * 60_000;

/** Sorted keys at every depth, so the same body with its keys in another order has one fingerprint. */
const canonicalJson = configure({ deterministic: true, bigint: false, circularValue: Error });

/** The route (not the raw URL, which percent-encoding can spell many ways), its parameters and body. */
function fingerprintOf(request: FastifyRequest): string {
  const route = request.routeOptions.url ?? request.url;
  return createHash('sha256')
    .update(canonicalJson([request.method, route, request.params ?? null, request.body ?? null]) ?? '')
    .digest('hex');
}

/** `host/pid/incarnation`: enough for a restart on the same host to tell which owners are dead. */
function processOwner(): string {
  return `${hostname()}/${process.pid}/${ulid()}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the pid exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `owner` is a process of this host that is gone: its pid is dead, or is now ours. */
export function isGoneOwner(owner: string, self: string): boolean {
  const [host, pid, incarnation] = owner.split('/');
  const [ownHost, ownPid, ownIncarnation] = self.split('/');
  if (host !== ownHost || pid === undefined || !/^\d+$/.test(pid)) return false;
  if (pid === ownPid) return incarnation !== ownIncarnation;
  return !isAlive(Number(pid));
}

/** Frees the keys that processes of this host reserved and died holding (kill -9, power loss). */
export async function releaseAbandonedReservations(store: IdempotencyStore, self: string): Promise<number> {
  let released = 0;
  for (const owner of await store.idempotencyOwners()) {
    if (isGoneOwner(owner, self)) released += await store.releaseIdempotencyOwnedBy(owner);
  }
  return released;
}

function later(ms: number): string {
  return new Date(Date.now() + ms).toISOString();
}

/**
 * Honours `Idempotency-Key` on every POST: the first request with a key owns it; a retry with the
 * same body replays the stored 2xx response; the same key on a different request is refused.
 * Only successes are stored: a refused request changed nothing, so retrying it is safe anyway.
 */
export async function installIdempotency(app: FastifyInstance, store: IdempotencyStore): Promise<void> {
  app.decorateRequest('idempotency', null);
  const owner = processOwner();

  const reserve: preHandlerAsyncHookHandler = async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !request.principal) return;
    const scoped = `${request.principal.id}\u0000${key}`;
    const fingerprint = fingerprintOf(request);
    const claimId = ulid();
    const lease = { claimId, owner, expiresAt: later(IDEMPOTENCY_LEASE_MS) };
    const reservation = await store.reserveIdempotency(scoped, fingerprint, lease, new Date().toISOString());
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
    request.idempotency = { key: scoped, claimId, fingerprint };
    await faultPoint('idempotency-reserved');
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
      await store.completeIdempotency(claim.key, claim.claimId, {
        fingerprint: claim.fingerprint,
        response: { status: reply.statusCode, headers, body: payload },
        keepUntil: later(IDEMPOTENCY_RETENTION_MS),
      });
    } else {
      await store.releaseIdempotency(claim.key, claim.claimId);
    }
    return payload;
  };

  // A request that never reached onSend (client gone) must not hold its key forever.
  const release: onResponseAsyncHookHandler = async (request) => {
    if (request.idempotency)
      await store.releaseIdempotency(request.idempotency.key, request.idempotency.claimId);
  };

  // Only POST routes carry the hooks, so reads pay nothing for idempotency.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('POST')) return;
    route.preHandler = [...asArray(route.preHandler), reserve];
    route.onSend = [...asArray(route.onSend), complete];
    route.onResponse = [...asArray(route.onResponse), release];
  });

  const released = await releaseAbandonedReservations(store, owner);
  if (released > 0) app.log.info({ released }, 'released idempotency keys of a dead predecessor');
  const purge = async () => {
    try {
      await store.purgeIdempotency(new Date().toISOString());
    } catch (error) {
      app.log.warn({ err: error }, 'purging lapsed idempotency keys failed; the next purge retries');
    }
  };
  await purge();
  const timer = setInterval(purge, PURGE_EVERY_MS).unref();
  app.addHook('onClose', async () => clearInterval(timer));
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
