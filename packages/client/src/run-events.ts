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

/**
 * The run's events until its final status. A dropped connection is resumed with Last-Event-ID, so
 * the caller sees every transition once even across a restart of the API.
 */
export async function* followRunEvents(options: FollowOptions): AsyncGenerator<RunStreamEvent> {
  let lastEventId = options.lastEventId;
  for (let failures = 0; ; ) {
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
      if (options.signal?.aborted || ++failures > 5) throw error;
      await new Promise((done) => setTimeout(done, 1000));
      continue;
    }
    if (response.status !== 200 || !response.body) {
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      throw new RunStreamError(response.status, body);
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
    let ended = false;
    try {
      for await (const chunk of response.body) {
        parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
        while (queue.length > 0) {
          const event = queue.shift()!;
          if (event.event === 'transition') lastEventId = event.id;
          yield event;
          if (event.event === 'status') ended = true;
        }
        if (ended) return;
      }
    } catch (error) {
      if (options.signal?.aborted) throw error;
    }
    if (ended) return;
    // The stream broke off before the final status: resume after the last transition seen.
    failures += 1;
    if (failures > 5) throw new Error(`the event stream of run ${options.runId} broke off ${failures} times`);
    await new Promise((done) => setTimeout(done, 500));
  }
}
