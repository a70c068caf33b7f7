import { SlipwayError } from '../errors/slipway-error';
import type { RegisteredKind } from '../kinds/kind-registry';
import { isTerminalRunStatus, type Run } from '../model/run';
import { ActionRun } from './action-run';
import { HolderDisplacement } from './holder-displacement';
import { planPath, planReentry } from './plan-path';
import { endsLife, referencingResources, resourceInUse } from './references';
import { StepCalls } from './step-calls';
import type { RunWalkerOptions } from './walk-options';
import type { WalkParts } from './walk-parts';
import { WalkRecorder } from './walk-recorder';
import { WorkingStep } from './working-step';

export { SHUTDOWN } from './shutdown';
export { DEFAULT_MAX_ATTEMPTS } from './step-calls';
export type { RunWalkerOptions } from './walk-options';
export { nextState } from './walk-recorder';

/**
 * Walks one run to its end, one state change at a time, working only from stored state so any
 * process can pick a run up where another left it. xstate is used as a pure function to compute
 * each next state; the provider does the side effects. The jobs are parts of their own: the
 * working step (`WorkingStep`), actions (`ActionRun`), the exclusive state (`HolderDisplacement`),
 * provider calls (`StepCalls`) and what is written (`WalkRecorder`).
 */
export class RunWalker {
  private readonly parts: WalkParts;
  private readonly step: WorkingStep;
  private readonly action: ActionRun;

  constructor(options: RunWalkerOptions) {
    const recorder = new WalkRecorder(options);
    this.parts = {
      options,
      recorder,
      calls: new StepCalls(options),
      displacement: new HolderDisplacement(options, recorder),
    };
    this.step = new WorkingStep(this.parts);
    this.action = new ActionRun(this.parts);
  }

  async walk(runId: string, signal: AbortSignal): Promise<Run | null> {
    try {
      return await this.walkRun(runId, signal);
    } catch (error) {
      if (
        error instanceof SlipwayError &&
        error.code === 'version_conflict' &&
        (await this.heldByAnotherWalk(runId))
      ) {
        // Another walk of this same run (two API processes recovering at once on a shared store)
        // recorded the state change first: it carries the run on, and failing the run here would
        // leave it failed on a resource its twin moved on.
        return this.parts.options.store.getRun(runId);
      }
      throw error;
    }
  }

  /** The run was ended by another walk, or the resource's latest state change is this run's own and the run still holds it. */
  private async heldByAnotherWalk(runId: string): Promise<boolean> {
    const { store } = this.parts.options;
    const run = await store.getRun(runId);
    if (run && isTerminalRunStatus(run.status)) return true;
    const resource = run ? await store.getResource(run.resourceId) : null;
    if (!run || !resource || resource.activeRunId !== runId) return false;
    const latest = await store.listTransitions({ resourceId: resource.id, order: 'desc', limit: 5 });
    return latest.items.find((transition) => transition.seq === resource.seq)?.runId === runId;
  }

  private async walkRun(runId: string, signal: AbortSignal): Promise<Run | null> {
    const { store } = this.parts.options;
    let run = await store.getRun(runId);
    if (!run || isTerminalRunStatus(run.status)) return run;
    if (run.status === 'queued') {
      run =
        (await store.updateRun(runId, ['queued'], {
          status: 'running',
          startedAt: this.parts.recorder.now(),
        })) ?? run;
    }
    const kind = this.parts.options.kinds.get(run.kind);
    if (run.action) return this.action.perform(run, kind, signal);
    for (;;) {
      run = await store.getRun(runId);
      if (!run || isTerminalRunStatus(run.status)) return run;
      const resource = await store.getResource(run.resourceId);
      if (!resource)
        return this.parts.recorder.finish(run, 'failed', {
          code: 'resource_missing',
          message: 'The resource is gone.',
        });
      const step = kind.graph.states.find((state) => state.name === resource.state)?.step ?? null;
      if (run.status === 'cancelling') return this.step.cancel(run, resource, kind, step, signal);
      if (step) {
        const done = await this.step.run(run, resource, kind, step, signal);
        if (done) return done;
        continue;
      }
      const reentry = await this.pendingReentry(kind, run, resource.state);
      if (resource.state === run.target && !reentry)
        return this.parts.recorder.finish(run, 'succeeded', null);
      const path = reentry
        ? planReentry(kind.graph, resource.state, reentry)
        : planPath(kind.graph, resource.state, run.target);
      if (!path || path.length === 0) {
        return this.parts.recorder.finish(run, 'failed', {
          code: 'unreachable_target',
          message: `No path from "${resource.state}" to "${run.target}".`,
        });
      }
      // Looked at only now that the run is marked running, after every reference written while it
      // was queued: a reference that raced the request is seen here, and the resource stays as it is.
      if (endsLife(kind, run.target)) {
        const holders = await referencingResources(store, this.parts.options.kinds, resource);
        if (holders.length > 0) {
          const { code, message } = resourceInUse(resource, holders);
          return this.parts.recorder.finish(run, 'failed', { code, message });
        }
      }
      await this.parts.recorder.record(run, resource, kind, path[0]!.event, 'requested', {
        startedAt: this.parts.recorder.now(),
      });
    }
  }

  /**
   * A run that started in its own target and re-enters it (a setting applying a new version) has
   * not begun while it has recorded no transition: the state alone cannot tell start from end.
   */
  private async pendingReentry(kind: RegisteredKind, run: Run, state: string): Promise<string | null> {
    const event = kind.definition.targets[run.target]?.reentry;
    if (!event || run.action || run.fromState !== run.target || state !== run.target) return null;
    // A step started on the way (recorded on the run, which reads never see set back) means it has
    // begun; the transition listing covers a re-entry through request events alone.
    if (run.step !== null) return null;
    const recorded = await this.parts.options.store.listTransitions({ runId: run.id, limit: 1 });
    return recorded.items.length === 0 ? event : null;
  }
}
