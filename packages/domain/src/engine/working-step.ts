import type { RegisteredKind } from '../kinds/kind-registry';
import type { Resource } from '../model/resource';
import type { Run } from '../model/run';
import { LogExcerpt } from './log-excerpt';
import { SHUTDOWN } from './shutdown';
import type { WalkParts } from './walk-parts';
import { hasEdge } from './walk-recorder';

/** One working state of a run: its provider step called and answered with SUCCESS, FAILURE or CANCEL. */
export class WorkingStep {
  constructor(private readonly parts: WalkParts) {}

  /** Calls the provider for the working state; returns the finished run, or null to keep walking. */
  async run(
    run: Run,
    resource: Resource,
    kind: RegisteredKind,
    step: string,
    signal: AbortSignal,
  ): Promise<Run | null> {
    const { store } = this.parts.options;
    const attempt = run.step === step ? run.attempt + 1 : 1;
    if (attempt > this.parts.calls.maxAttempts) {
      const error = this.parts.calls.exhausted(run, step);
      // Out of the working state through the kind's own failure edge, so state and records agree.
      if (hasEdge(kind, resource.state, 'FAILURE')) {
        await this.parts.recorder.record(run, resource, kind, 'FAILURE', 'failed', {
          startedAt: this.parts.recorder.now(),
          attempt: run.attempt,
          error,
        });
      }
      return this.parts.recorder.finish(run, 'failed', error);
    }
    const startedAt = this.parts.recorder.now();
    const log = new LogExcerpt();
    // Waiting for the holder starts no attempt: a restart meanwhile must not use up the limit.
    const free = await this.parts.displacement.untilHolderFree(resource, kind, signal, log);
    if (!free) {
      if (signal.aborted && signal.reason === SHUTDOWN) return run;
      const after = await store.getRun(run.id);
      // Cancelled while waiting: the provider never ran, so there is nothing of its to clean up.
      if (after?.status === 'cancelling')
        return this.cancel(after, resource, kind, step, signal, log, startedAt, false);
      return run; // aborted for another reason while waiting: nothing was done, the run resumes later
    }
    const current = await store.updateRun(run.id, ['running'], { step, attempt });
    if (!current) return null; // cancelled meanwhile: the loop reloads and takes the cancel path
    const context = this.parts.calls.context(current, resource, step, attempt, signal, log);
    const outcome = await this.parts.calls.call(kind, context);
    if (signal.aborted && signal.reason === SHUTDOWN) return current;
    const after = await store.getRun(run.id);
    if (after?.status === 'cancelling')
      return this.cancel(after, resource, kind, step, signal, log, startedAt);
    if (outcome.ok) {
      await this.parts.displacement.displaceHolders(current, resource, kind);
      await this.parts.recorder.record(current, resource, kind, 'SUCCESS', 'succeeded', {
        startedAt,
        outputs: outcome.outputs,
        log,
        attempt,
      });
      return null;
    }
    await this.parts.recorder.record(current, resource, kind, 'FAILURE', 'failed', {
      startedAt,
      outputs: outcome.outputs ?? {},
      log,
      attempt,
      error: outcome.error,
    });
    return this.parts.recorder.finish(current, 'failed', outcome.error);
  }

  async cancel(
    run: Run,
    resource: Resource,
    kind: RegisteredKind,
    step: string | null,
    signal: AbortSignal,
    log = new LogExcerpt(),
    startedAt = this.parts.recorder.now(),
    providerRan = true,
  ): Promise<Run | null> {
    if (step) {
      if (providerRan) {
        await this.parts.calls.cleanup(
          kind,
          this.parts.calls.context(run, resource, step, run.attempt, signal, log),
          log,
        );
      }
      const event = hasEdge(kind, resource.state, 'CANCEL') ? 'CANCEL' : 'FAILURE';
      const error = {
        code: 'cancelled',
        message: `Cancelled by ${run.cancelRequestedBy ?? 'unknown'}: ${run.cancelReason ?? 'no reason given'}`,
      };
      await this.parts.recorder.record(run, resource, kind, event, 'cancelled', {
        startedAt,
        log,
        error,
        attempt: run.attempt,
      });
    }
    return this.parts.recorder.finish(run, 'cancelled', null);
  }
}
