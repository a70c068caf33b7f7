import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface FollowedEvent {
  event: string;
  id: string | undefined;
  data: Record<string, unknown>;
}

export interface FollowOptions {
  baseUrl: string;
  token: string;
  runId: string;
  lastEventId?: string;
  /** Stop reading (and drop the connection) once this returns true for an event just read. */
  until?: (event: FollowedEvent, seen: readonly FollowedEvent[]) => boolean;
}

/**
 * Reads GET /v1/runs/{id}/events as an EventSource client would, with a real SSE parser, until the
 * server closes the stream or `until` says to hang up.
 */
export async function followRun(options: FollowOptions): Promise<FollowedEvent[]> {
  const abort = new AbortController();
  const response = await fetch(`${options.baseUrl}/v1/runs/${options.runId}/events`, {
    headers: {
      authorization: `Bearer ${options.token}`,
      accept: 'text/event-stream',
      ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}),
    },
    signal: abort.signal,
  });
  if (response.status !== 200 || !response.body) {
    throw new Error(`GET /v1/runs/${options.runId}/events: HTTP ${response.status} ${await response.text()}`);
  }
  const seen: FollowedEvent[] = [];
  let hungUp = false;
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      if (hungUp) return;
      const event = { event: message.event ?? 'message', id: message.id, data: JSON.parse(message.data) };
      seen.push(event);
      if (options.until?.(event, seen)) {
        hungUp = true;
        abort.abort();
      }
    },
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body) parser.feed(decoder.decode(chunk, { stream: true }));
  } catch (error) {
    if (!hungUp) throw error;
  }
  return seen;
}
