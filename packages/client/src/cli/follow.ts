import { followRunEvents, RunStreamError } from '../run-events';
import type { RunEntity, TransitionEntity } from '../slipway-client';
import { CliExit, EXIT } from './exit-codes';
import { paint, seconds, stateColour } from './output';
import { refused, type Session, unreachable } from './session';

/** How many lines of a failed step's output are shown. */
const LOG_TAIL_LINES = 30;

/**
 * Follows a run over SSE to its end: a line per step with its elapsed time, the log tail and
 * error when it fails. Returns the final run; the caller exits 0 only when it succeeded.
 */
export async function followRun(session: Session, runId: string): Promise<RunEntity> {
  const { output } = session;
  const logs = new Map<string, string[]>();
  let last: TransitionEntity | null = null;
  const started = Date.now();
  try {
    for await (const event of followRunEvents({ baseUrl: session.baseUrl, token: session.token, runId })) {
      if (output.json) {
        if (event.event === 'status') return event.data;
        continue;
      }
      if (event.event === 'log') {
        logs.set(event.data.transitionId, [...(logs.get(event.data.transitionId) ?? []), event.data.line]);
      } else if (event.event === 'progress' && event.data.status === 'running' && event.data.step) {
        output.print(paint(output, 'dim', `  … ${event.data.step} (attempt ${event.data.attempt})`));
      } else if (event.event === 'transition') {
        last = event.data;
        const mark =
          event.data.outcome === 'succeeded'
            ? paint(output, 'green', '✓')
            : event.data.outcome === 'requested'
              ? paint(output, 'cyan', '▸')
              : paint(output, 'red', '✗');
        output.print(
          `${mark} ${event.data.from} → ${paint(output, stateColour(event.data.to), event.data.to)}  ${event.data.event}  ${seconds(event.data.durationMs)}  (at ${seconds(Date.now() - started)})`,
        );
      } else if (event.event === 'status') {
        const run = event.data;
        if (run.status !== 'succeeded') {
          const tail = (last ? (logs.get(last.id) ?? []) : []).slice(-LOG_TAIL_LINES);
          if (tail.length > 0)
            output.print(paint(output, 'dim', tail.map((line) => `  | ${line}`).join('\n')));
          if (run.error) output.print(paint(output, 'red', `  ${run.error.code}: ${run.error.message}`));
        }
        output.print(
          `run ${run.id} ${paint(output, stateColour(run.status), run.status)} in ${seconds(run.durationMs)}`,
        );
        return run;
      }
    }
  } catch (error) {
    if (error instanceof RunStreamError) throw refused(error.status, error.body);
    if (error instanceof TypeError) throw unreachable(session.baseUrl, error);
    throw error;
  }
  throw new CliExit(
    EXIT.unreachable,
    `slipway: the event stream of run ${runId} ended without a final status`,
  );
}

export const exitFor = (run: RunEntity) => (run.status === 'succeeded' ? EXIT.ok : EXIT.runDidNotSucceed);
