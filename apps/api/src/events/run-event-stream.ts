import { setTimeout as delay } from 'node:timers/promises';
import {
  isTerminalRunStatus,
  type Principal,
  type ResourceService,
  type Run,
  type Transition,
} from '@slipway/domain';

/** One server-sent event: `id` only on transitions, the one thing a reconnect resumes from. */
export interface RunEvent {
  event: 'transition' | 'log' | 'progress' | 'status';
  id?: string;
  data: unknown;
}

/** At most this many log lines go out per transition; the excerpt the store keeps is already a tail. */
export const MAX_LOG_LINES_PER_TRANSITION = 200;

export interface RunEventStreamOptions {
  service: ResourceService;
  principal: Principal;
  runId: string;
  /** The last transition id the client saw (`Last-Event-ID`); events up to it are not sent again. */
  after: string | null;
  /** How often the store is read while the run is not over. */
  pollMs: number;
  signal: AbortSignal;
}

// timers/promises removes its abort listener when the timer fires; a hand-rolled one piled up one per poll.
const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

/**
 * The store is the source of truth: every poll reads the run and all its transitions, so events
 * recorded by a worker in another process arrive, and a reconnect cannot miss one. Transition ids
 * are ulids minted in recording order by whichever process walks the run, so "after this id" is
 * a plain string comparison even across a worker that died and one that resumed the run.
 */
export async function* runEvents(options: RunEventStreamOptions): AsyncGenerator<RunEvent> {
  const { service, principal, runId, signal } = options;
  let last = options.after;
  let lastProgress = '';
  while (!signal.aborted) {
    const run = await service.getRun(runId, principal);
    const over = isTerminalRunStatus(run.status);
    // Transitions are recorded before the run is finished, so after a terminal read this listing is complete.
    for (const transition of await allTransitions(service, principal, run)) {
      if (last !== null && transition.id <= last) continue;
      for (const line of logLines(transition))
        yield { event: 'log', data: { transitionId: transition.id, line } };
      yield { event: 'transition', id: transition.id, data: transition };
      last = transition.id;
    }
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
    await sleep(options.pollMs, signal);
  }
}

async function allTransitions(
  service: ResourceService,
  principal: Principal,
  run: Run,
): Promise<Transition[]> {
  const found: Transition[] = [];
  let cursor: string | undefined;
  do {
    const page = await service.listTransitions(
      { kind: run.kind, runId: run.id, limit: 200, ...(cursor ? { cursor } : {}) },
      principal,
    );
    found.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
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
