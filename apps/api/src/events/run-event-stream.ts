import { isTerminalRunStatus, type Transition } from '@slipway/domain';
import type { RunFeeds } from './run-feed';

/** One server-sent event: `id` (the position in the run's sequence) only on transitions, the one thing a reconnect resumes from. */
export interface RunEvent {
  event: 'transition' | 'log' | 'progress' | 'status';
  id?: string;
  data: unknown;
}

/** At most this many log lines go out per transition; the excerpt the store keeps is already a tail. */
export const MAX_LOG_LINES_PER_TRANSITION = 200;

export interface RunEventStreamOptions {
  feeds: RunFeeds;
  runId: string;
  /**
   * How many of the run's transitions the client has (`Last-Event-ID`, the position of the last
   * one it got in the run's sequence); those are not sent again.
   */
  after: number;
  signal: AbortSignal;
}

/**
 * The run's events from its shared feed: transitions past the client's position, with their log
 * lines, progress while it runs, and the final status. Each transition's event id is its 1-based
 * position in the run's sequence (`runSequence`), which no host's clock can reorder.
 */
export async function* runEvents(options: RunEventStreamOptions): AsyncGenerator<RunEvent> {
  const { feed, leave } = options.feeds.join(options.runId);
  try {
    let sent = options.after;
    let version = 0;
    let lastProgress = '';
    for (;;) {
      const next = await feed.next(version, options.signal);
      if (!next) return;
      version = next.version;
      const { run, transitions } = next.snapshot;
      for (; sent < transitions.length; sent += 1) {
        const transition = transitions[sent]!;
        for (const line of logLines(transition))
          yield { event: 'log', data: { transitionId: transition.id, line } };
        yield { event: 'transition', id: String(sent + 1), data: transition };
      }
      const over = isTerminalRunStatus(run.status);
      const progress = JSON.stringify([run.status, run.step, run.attempt]);
      if (!over && progress !== lastProgress) {
        lastProgress = progress;
        yield {
          event: 'progress',
          data: { status: run.status, step: run.step, attempt: run.attempt, startedAt: run.startedAt },
        };
      }
      if (over) {
        yield { event: 'status', data: run };
        return;
      }
    }
  } finally {
    leave();
  }
}

function logLines(transition: Transition): string[] {
  if (!transition.log) return [];
  return transition.log
    .split('\n')
    .filter((line) => line.length > 0)
    .slice(-MAX_LOG_LINES_PER_TRANSITION);
}

/** The text/event-stream framing of one event (data is one JSON line, so it needs no splitting). */
export function frame(event: RunEvent): string {
  return `event: ${event.event}\n${event.id ? `id: ${event.id}\n` : ''}data: ${JSON.stringify(event.data)}\n\n`;
}
