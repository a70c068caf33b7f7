import { withArticle } from '../kinds/article';
import type { RegisteredKind } from '../kinds/kind-registry';
import type { Run } from '../model/run';
import { LogExcerpt } from './log-excerpt';
import { SHUTDOWN } from './shutdown';
import type { WalkParts } from './walk-parts';

/** An action run: one provider step in the current state, recorded as a self-transition. */
export class ActionRun {
  constructor(private readonly parts: WalkParts) {}

  async perform(run: Run, kind: RegisteredKind, signal: AbortSignal): Promise<Run | null> {
    const { store } = this.parts.options;
    const action = kind.definition.actions?.[run.action ?? ''];
    if (!action) {
      return this.parts.recorder.finish(run, 'failed', {
        code: 'unknown_action',
        message: `A ${kind.definition.name} has no action "${run.action}".`,
      });
    }
    // Resumed after a crash: if the result was already recorded, the run only needs to end.
    const [recorded] = (await store.listTransitions({ runId: run.id, limit: 1 })).items;
    if (recorded)
      return this.parts.recorder.finish(
        run,
        recorded.outcome === 'succeeded' ? 'succeeded' : 'failed',
        recorded.error,
      );
    if (run.status === 'cancelling') return this.parts.recorder.finish(run, 'cancelled', null);
    const resource = await store.getResource(run.resourceId);
    if (!resource)
      return this.parts.recorder.finish(run, 'failed', {
        code: 'resource_missing',
        message: 'The resource is gone.',
      });
    if (!action.allowedIn.includes(resource.state)) {
      return this.parts.recorder.finish(run, 'failed', {
        code: 'action_not_allowed',
        message: `${run.action} needs ${withArticle(kind.definition.name)} that is ${action.allowedIn.join(' or ')}; it is ${resource.state}.`,
      });
    }
    const attempt = run.step === action.step ? run.attempt + 1 : 1;
    if (attempt > this.parts.calls.maxAttempts) {
      const error = this.parts.calls.exhausted(run, action.step);
      await this.parts.recorder.record(run, resource, kind, action.event, 'failed', {
        startedAt: this.parts.recorder.now(),
        attempt: run.attempt,
        error,
      });
      return this.parts.recorder.finish(run, 'failed', error);
    }
    const current = await store.updateRun(run.id, ['running'], { step: action.step, attempt });
    if (!current) return this.parts.recorder.finish(run, 'cancelled', null);
    const startedAt = this.parts.recorder.now();
    const log = new LogExcerpt();
    const outcome = await this.parts.calls.call(
      kind,
      this.parts.calls.context(current, resource, action.step, attempt, signal, log),
    );
    if (signal.aborted && signal.reason === SHUTDOWN) return current;
    // Nothing changed state, so a cancel during the checks simply ends the run.
    if ((await store.getRun(run.id))?.status === 'cancelling')
      return this.parts.recorder.finish(current, 'cancelled', null);
    const fresh = (await store.getResource(run.resourceId)) ?? resource;
    await this.parts.recorder.record(
      current,
      fresh,
      kind,
      action.event,
      outcome.ok ? 'succeeded' : 'failed',
      {
        startedAt,
        outputs: outcome.outputs ?? {},
        log,
        attempt,
        ...(outcome.ok ? {} : { error: outcome.error }),
      },
    );
    return this.parts.recorder.finish(
      current,
      outcome.ok ? 'succeeded' : 'failed',
      outcome.ok ? null : outcome.error,
    );
  }
}
