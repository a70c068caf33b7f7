import { setTimeout as delay } from 'node:timers/promises';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ClientOptions, RunEntity, TransitionEntity } from './slipway-client';

/** What GET /v1/runs/{id}/events sends, typed by event name. */
export type RunStreamEvent =
  | { event: 'transition'; id: string; data: TransitionEntity }
  | { event: 'log'; data: { transitionId: string; line: string } }
  | { event: 'progress'; data: Pick<RunEntity, 'status' | 'step' | 'attempt' | 'startedAt'> }
  | { event: 'status'; data: RunEntity }
  | { event: 'interrupted'; data: { message: string } };

export interface FollowOptions extends ClientOptions {
  runId: string;
  /** Resume after this position in the run's transitions (a transition event's id; what a reconnect sends as Last-Event-ID). */
  lastEventId?: string;
  signal?: AbortSignal;
}

export class RunStreamError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`GET /v1/runs/{id}/events answered ${status}`);
  }
}

/** Answers of a proxy or a server on its way down or up: worth another try, unlike a 4xx. */
const RETRIED_STATUSES = new Set([502, 503, 504]);
/** Tries in a row that get no event before the follow gives up: ~30 s of backoff in all. */
const MAX_FAILURES = 10;
const BACKOFF_MS = { first: 250, max: 5_000 };

const backoff = (failures: number, signal?: AbortSignal) =>
  delay(Math.min(BACKOFF_MS.first * 2 ** (failures - 1), BACKOFF_MS.max), undefined, {
    ...(signal ? { signal } : {}),
  });

/**
 * The run's events until its final status. A dropped connection, a refused one (the API
 * restarting) and a 502/503/504 are retried with a growing delay, resuming with Last-Event-ID, so
 * the caller sees every transition once even across a restart of the API. Only failures in a row
 * count towards the bound: each event received starts the count again.
 */
export async function* followRunEvents(options: FollowOptions): AsyncGenerator<RunStreamEvent> {
  let lastEventId = options.lastEventId;
  let failures = 0;
  const retry = async (cause: unknown) => {
    failures += 1;
    if (options.signal?.aborted) throw cause;
    if (failures > MAX_FAILURES) {
      if (cause instanceof Error) throw cause;
      throw new Error(`the event stream of run ${options.runId} failed ${failures} times in a row`);
    }
    await backoff(failures, options.signal);
  };
  for (;;) {
    let response: Response;
    try {
      response = await fetch(
        `${options.baseUrl.replace(/\/+$/, '')}/v1/runs/${encodeURIComponent(options.runId)}/events`,
        {
          headers: {
            authorization: `Bearer ${options.token}`,
            accept: 'text/event-stream',
            ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
          },
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
    } catch (error) {
      await retry(error);
      continue;
    }
    if (response.status !== 200 || !response.body) {
      const text = await response.text().catch(() => '');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      const refusal = new RunStreamError(response.status, body);
      if (!RETRIED_STATUSES.has(response.status)) throw refusal;
      await retry(refusal);
      continue;
    }
    const queue: RunStreamEvent[] = [];
    const parser = createParser({
      onEvent(message: EventSourceMessage) {
        queue.push({
          event: message.event,
          id: message.id,
          data: JSON.parse(message.data),
        } as RunStreamEvent);
      },
    });
    const decoder = new TextDecoder();
    let broke: unknown = new Error(`the event stream of run ${options.runId} ended before its status`);
    try {
      for await (const chunk of response.body) {
        parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
        while (queue.length > 0) {
          const event = queue.shift()!;
          // A server's own `interrupted` notice is no progress: it must not reset the bound.
          if (event.event !== 'interrupted') failures = 0;
          if (event.event === 'transition') lastEventId = event.id;
          yield event;
          if (event.event === 'status') return;
        }
      }
    } catch (error) {
      if (options.signal?.aborted) throw error;
      broke = error;
    }
    // The stream broke off before the final status: resume after the last transition seen.
    await retry(broke);
  }
}
