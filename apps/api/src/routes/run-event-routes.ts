import type { ResourceService } from '@slipway/domain';
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import type { Authenticator } from '../auth/user-authenticator';
import { frame, runEvents } from '../events/run-event-stream';
import { type FeedStore, RunFeeds } from '../events/run-feed';
import { principalOf } from '../http/authentication';
import { problemResponses } from '../http/problem';
import { signedIn } from '../http/route-permission';

const RunParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, description: 'The run id.' }),
});

const StreamEvent = Type.Object(
  {
    event: Type.Union(
      [Type.Literal('transition'), Type.Literal('log'), Type.Literal('progress'), Type.Literal('status')],
      { description: 'What the event carries.' },
    ),
    id: Type.Optional(
      Type.String({
        description:
          'On a transition: its 1-based position in the run\u2019s sequence (`Last-Event-ID` resumes after it).',
      }),
    ),
    data: Type.String({ contentMediaType: 'application/json', description: 'The event, as JSON.' }),
    retry: Type.Optional(Type.Integer({ description: 'Reconnection delay in milliseconds.' })),
  },
  { description: 'One server-sent event of the stream.' },
);

const EventHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({
      pattern: '^[0-9]{1,9}$',
      description:
        'The id of the last transition event received (its position in the run\u2019s sequence, a decimal number); the stream resumes after it (browsers send it on reconnect). Anything else is refused with 400 validation_failed.',
    }),
  ),
});

/** Keeps proxies and load balancers from closing a quiet stream during a long step. */
const HEARTBEAT_MS = 15_000;

export interface RunEventRouteOptions {
  /** How often a followed run is read for news, once for all its followers. @defaultValue 250 */
  pollMs?: number;
  /**
   * Asked again while a stream is open, so a revoked token or a suspended user ends it within the
   * verified-token cache's bound (one second) rather than when the run ends.
   */
  authenticator?: Authenticator;
}

/** How often an open stream's token is checked again; the authenticator's cache keeps this cheap. */
const RECHECK_MS = 250;

export function registerRunEventRoutes(
  app: FastifyInstance,
  service: ResourceService,
  store: FeedStore,
  options: RunEventRouteOptions = {},
): void {
  const feeds = new RunFeeds(store, options.pollMs ?? 250);
  app.get<{ Params: Static<typeof RunParams>; Headers: Static<typeof EventHeaders> }>(
    '/v1/runs/:id/events',
    {
      config: {
        permission: signedIn(
          'a run of a kind the caller may not read answers 404 like a missing one; the stream ends within a second of the token being revoked or its user suspended',
        ),
      },
      schema: {
        operationId: 'followRun',
        summary: 'Follow a run live (server-sent events)',
        description: [
          'A `text/event-stream` of the run as the store records it, from its first transition, whether the run is walked in this process or by a worker elsewhere:',
          '`event: transition` (`id` = its position in the run\u2019s sequence: 1, 2, \u2026 in the order the transitions were recorded; `data` = the transition as in the audit log) for each state change, once;',
          '`event: log` (`data` = `{transitionId, line}`) for each line of the step output recorded with that transition (at most 200 per transition), sent just before it;',
          '`event: progress` (`data` = `{status, step, attempt, startedAt}`) whenever the run starts a step or attempt;',
          'and last `event: status` (`data` = the run) when the run has ended, after which the server closes the stream.',
          'A client that reconnects with `Last-Event-ID` gets every transition after that position and nothing before it; a `Last-Event-ID` that is not a position is refused (400). Needs read permission on the run\u2019s kind, like `GET /v1/runs/{id}`.',
        ].join(' '),
        tags: ['runs'],
        params: RunParams,
        headers: EventHeaders,
        produces: ['text/event-stream'],
        response: {
          200: {
            description: 'The event stream; it ends after the `status` event.',
            // On OpenAPI 3.1 a streaming media type's schema describes one event (3.2's itemSchema).
            content: { 'text/event-stream': { schema: StreamEvent } },
          },
          ...problemResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      // Listening before the first await: a client gone while the run is read must stop the stream,
      // or it would poll and keep alive until the run ends (never, for a run no worker takes).
      const abort = new AbortController();
      reply.raw.on('close', () => abort.abort());
      // Refusals (unknown run, no permission, store away) are problems before the stream starts.
      await service.getRun(request.params.id, principal);
      if (reply.raw.destroyed) return reply;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-request-id': request.id,
        // nginx and its kin would otherwise buffer the stream.
        'x-accel-buffering': 'no',
      });
      raw.write(`retry: 1000\n\n`);
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const token = request.bearerToken;
      const { authenticator } = options;
      let revoked = false;
      const recheck =
        authenticator && token
          ? setInterval(() => {
              authenticator.authenticate(token).then(
                (still) => {
                  if (still || abort.signal.aborted) return;
                  revoked = true;
                  abort.abort();
                },
                // A store hiccup is not a revocation: the next check asks again.
                () => {},
              );
            }, RECHECK_MS)
          : null;
      try {
        for await (const event of runEvents({
          feeds,
          runId: request.params.id,
          after: Number(request.headers['last-event-id'] ?? 0),
          signal: abort.signal,
        })) {
          raw.write(frame(event));
        }
      } catch (error) {
        // Headers are gone; the client reconnects with Last-Event-ID and resumes.
        request.log.warn({ err: error }, 'run event stream broke off');
        raw.write(
          `event: interrupted\ndata: ${JSON.stringify({ message: 'the stream broke off; reconnect to resume' })}\n\n`,
        );
      } finally {
        clearInterval(heartbeat);
        if (recheck) clearInterval(recheck);
        if (revoked && !raw.destroyed) {
          raw.write(
            `event: unauthorized\ndata: ${JSON.stringify({ message: 'the token was revoked or its user is no longer active' })}\n\n`,
          );
        }
        raw.end();
      }
    },
  );
}
