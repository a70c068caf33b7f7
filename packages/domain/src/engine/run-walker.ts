import { transition as pureTransition } from 'xstate';
import type { RunErrorCode } from '../errors/error-catalog';
import { SlipwayError } from '../errors/slipway-error';
import { withArticle } from '../kinds/article';
import type { KindRegistry, RegisteredKind } from '../kinds/kind-registry';
import type { Resource } from '../model/resource';
import { isTerminalRunStatus, type Run, type RunError, type RunStatus } from '../model/run';
import type { TransitionOutcome } from '../model/transition';
import type { Clock } from '../ports/clock';
import {
  failed as failedStep,
  type KindProvider,
  type StepContext,
  type StepOutcome,
} from '../ports/provider';
import type { ResourceStore } from '../ports/resource-store';
import type { RunStore } from '../ports/run-store';
import { busyHolder, exclusiveHolders } from './exclusive-holders';
import { LogExcerpt } from './log-excerpt';
import { planPath } from './plan-path';
import { redactSecrets } from './redact-secrets';
import { endsLife, referencingResources, resourceInUse } from './references';

export interface RunWalkerOptions {
  store: ResourceStore & RunStore;
  kinds: KindRegistry;
  /** The provider serving each kind, by kind name. */
  providers: ReadonlyMap<string, KindProvider>;
  clock: Clock;
  newId: () => string;
  /**
   * How often one step of a run may be started. Each crash or restart of the process walking the
   * run starts the step again; past this many the run fails with `attempts_exhausted` rather than
   * taking its process down for ever.
   * @defaultValue 5
   */
  maxAttempts?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 5;

/** Abort reason used when the process is stopping: the run is left for the next start to resume. */
export const SHUTDOWN = 'shutdown';

const ACTIVE: readonly RunStatus[] = ['queued', 'running', 'cancelling'];

/** How often a promotion waiting for the holder's run to end looks again. */
const HOLDER_POLL_MS = 50;

/**
 * Walks one run to its end, one state change at a time, working only from stored state so any
 * process can pick a run up where another left it. xstate is used as a pure function to compute
 * each next state; the provider does the side effects.
 */
export class RunWalker {
  constructor(private readonly options: RunWalkerOptions) {}

  async walk(runId: string, signal: AbortSignal): Promise<Run | null> {
    const { store } = this.options;
    let run = await store.getRun(runId);
    if (!run || isTerminalRunStatus(run.status)) return run;
    if (run.status === 'queued') {
      run = (await store.updateRun(runId, ['queued'], { status: 'running', startedAt: this.now() })) ?? run;
    }
    const kind = this.options.kinds.get(run.kind);
    if (run.action) return this.performAction(run, kind, signal);
    for (;;) {
      run = await store.getRun(runId);
      if (!run || isTerminalRunStatus(run.status)) return run;
      const resource = await store.getResource(run.resourceId);
      if (!resource)
        return this.finish(run, 'failed', { code: 'resource_missing', message: 'The resource is gone.' });
      const step = kind.graph.states.find((state) => state.name === resource.state)?.step ?? null;
      if (run.status === 'cancelling') return this.cancel(run, resource, kind, step, signal);
      if (step) {
        const done = await this.runStep(run, resource, kind, step, signal);
        if (done) return done;
        continue;
      }
      if (resource.state === run.target) return this.finish(run, 'succeeded', null);
      const path = planPath(kind.graph, resource.state, run.target);
      if (!path || path.length === 0) {
        return this.finish(run, 'failed', {
          code: 'unreachable_target',
          message: `No path from "${resource.state}" to "${run.target}".`,
        });
      }
      // Looked at only now that the run is marked running, after every reference written while it
      // was queued: a reference that raced the request is seen here, and the resource stays as it is.
      if (endsLife(kind, run.target)) {
        const holders = await referencingResources(store, this.options.kinds, resource);
        if (holders.length > 0) {
          const { code, message } = resourceInUse(resource, holders);
          return this.finish(run, 'failed', { code, message });
        }
      }
      await this.record(run, resource, kind, path[0]!.event, 'requested', { startedAt: this.now() });
    }
  }

  /** Calls the provider for the working state; returns the finished run, or null to keep walking. */
  private async runStep(
    run: Run,
    resource: Resource,
    kind: RegisteredKind,
    step: string,
    signal: AbortSignal,
  ): Promise<Run | null> {
    const { store } = this.options;
    const attempt = run.step === step ? run.attempt + 1 : 1;
    if (attempt > this.maxAttempts) {
      const error = this.exhausted(run, step);
      // Out of the working state through the kind's own failure edge, so state and records agree.
      if (hasEdge(kind, resource.state, 'FAILURE')) {
        await this.record(run, resource, kind, 'FAILURE', 'failed', {
          startedAt: this.now(),
          attempt: run.attempt,
          error,
        });
      }
      return this.finish(run, 'failed', error);
    }
    const current = await store.updateRun(run.id, ['running'], { step, attempt });
    if (!current) return null; // cancelled meanwhile: the loop reloads and takes the cancel path
    const startedAt = this.now();
    const log = new LogExcerpt();
    const context = this.context(current, resource, step, attempt, signal, log);
    const free = await this.untilHolderFree(resource, kind, signal, log);
    const outcome = free
      ? await this.callProvider(kind, step, context)
      : failedStep('aborted', 'The step was aborted while it waited for the holder to be free.');
    if (signal.aborted && signal.reason === SHUTDOWN) return current;
    const after = await store.getRun(run.id);
    if (after?.status === 'cancelling')
      return this.cancel(after, resource, kind, step, signal, log, startedAt);
    // Aborted for another reason while waiting: nothing was done, so the run is left to resume.
    if (!free) return current;
    if (outcome.ok) {
      await this.displaceHolders(current, resource, kind);
      await this.record(current, resource, kind, 'SUCCESS', 'succeeded', {
        startedAt,
        outputs: outcome.outputs,
        log,
        attempt,
      });
      return null;
    }
    await this.record(current, resource, kind, 'FAILURE', 'failed', {
      startedAt,
      outputs: outcome.outputs ?? {},
      log,
      attempt,
      error: outcome.error,
    });
    return this.finish(current, 'failed', outcome.error);
  }

  /**
   * Before a resource enters its kind's exclusive state (a cluster going live), whoever holds that
   * state in the same group is moved out (live → standby), recorded in this run. Displacing first
   * means a crash in between leaves no group with two holders: the resumed step runs again and
   * only then is the success recorded.
   */
  private async displaceHolders(run: Run, resource: Resource, kind: RegisteredKind): Promise<void> {
    const exclusive = kind.definition.exclusive;
    if (!exclusive || nextState(kind, resource.state, 'SUCCESS') !== exclusive.state) return;
    for (const holder of await exclusiveHolders(this.options.store, kind, resource)) {
      await this.record(run, holder, kind, exclusive.displaceEvent, 'succeeded', {
        startedAt: this.now(),
        outputs: { displacedBy: resource.id },
        displacement: true,
      });
    }
  }

  /**
   * Before a step whose success displaces the holder (promoting), waits while the holder has a
   * run of its own. That run was accepted in a race with this one (the request refuses otherwise);
   * it cannot be followed by another, since the holder takes no run while this resource is
   * entering, so the wait is bounded by that one run. Failing instead would leave this resource
   * `failed` for a conflict that says nothing about it. False when aborted meanwhile.
   */
  private async untilHolderFree(
    resource: Resource,
    kind: RegisteredKind,
    signal: AbortSignal,
    log: LogExcerpt,
  ): Promise<boolean> {
    const exclusive = kind.definition.exclusive;
    if (!exclusive || nextState(kind, resource.state, 'SUCCESS') !== exclusive.state) return true;
    let waitingFor: string | null = null;
    for (;;) {
      if (signal.aborted) return false;
      const busy = await busyHolder(this.options.store, kind, resource);
      if (!busy?.activeRunId) return true;
      if (waitingFor !== busy.activeRunId) {
        waitingFor = busy.activeRunId;
        log.append(
          `waiting for run ${busy.activeRunId} of ${busy.kind} ${busy.id}, which holds "${exclusive.state}", to end`,
        );
      }
      await abortableDelay(HOLDER_POLL_MS, signal);
    }
  }

  /** An action run: one provider step in the current state, recorded as a self-transition. */
  private async performAction(run: Run, kind: RegisteredKind, signal: AbortSignal): Promise<Run | null> {
    const { store } = this.options;
    const action = kind.definition.actions?.[run.action ?? ''];
    if (!action) {
      return this.finish(run, 'failed', {
        code: 'unknown_action',
        message: `A ${kind.definition.name} has no action "${run.action}".`,
      });
    }
    // Resumed after a crash: if the result was already recorded, the run only needs to end.
    const [recorded] = (await store.listTransitions({ runId: run.id, limit: 1 })).items;
    if (recorded)
      return this.finish(run, recorded.outcome === 'succeeded' ? 'succeeded' : 'failed', recorded.error);
    if (run.status === 'cancelling') return this.finish(run, 'cancelled', null);
    const resource = await store.getResource(run.resourceId);
    if (!resource)
      return this.finish(run, 'failed', { code: 'resource_missing', message: 'The resource is gone.' });
    if (!action.allowedIn.includes(resource.state)) {
      return this.finish(run, 'failed', {
        code: 'action_not_allowed',
        message: `${run.action} needs ${withArticle(kind.definition.name)} that is ${action.allowedIn.join(' or ')}; it is ${resource.state}.`,
      });
    }
    const attempt = run.step === action.step ? run.attempt + 1 : 1;
    if (attempt > this.maxAttempts) {
      const error = this.exhausted(run, action.step);
      await this.record(run, resource, kind, action.event, 'failed', {
        startedAt: this.now(),
        attempt: run.attempt,
        error,
      });
      return this.finish(run, 'failed', error);
    }
    const current = await store.updateRun(run.id, ['running'], { step: action.step, attempt });
    if (!current) return this.finish(run, 'cancelled', null);
    const startedAt = this.now();
    const log = new LogExcerpt();
    const outcome = await this.callProvider(
      kind,
      action.step,
      this.context(current, resource, action.step, attempt, signal, log),
    );
    if (signal.aborted && signal.reason === SHUTDOWN) return current;
    // Nothing changed state, so a cancel during the checks simply ends the run.
    if ((await store.getRun(run.id))?.status === 'cancelling') return this.finish(current, 'cancelled', null);
    const fresh = (await store.getResource(run.resourceId)) ?? resource;
    await this.record(current, fresh, kind, action.event, outcome.ok ? 'succeeded' : 'failed', {
      startedAt,
      outputs: outcome.outputs ?? {},
      log,
      attempt,
      ...(outcome.ok ? {} : { error: outcome.error }),
    });
    return this.finish(current, outcome.ok ? 'succeeded' : 'failed', outcome.ok ? null : outcome.error);
  }

  private get maxAttempts(): number {
    return this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  /**
   * A step started this often and never answered: whatever walked it died or stopped each time
   * (a crash it causes, a kill, restarts). Another start would likely do the same again.
   */
  private exhausted(run: Run, step: string): RunError {
    const code: RunErrorCode = 'attempts_exhausted';
    return {
      code,
      message: `Step "${step}" was started ${run.attempt} times and never finished (the process walking it crashed or stopped each time); the limit is ${this.maxAttempts} attempts, so the run failed instead of trying again.`,
    };
  }

  private async callProvider(kind: RegisteredKind, step: string, context: StepContext): Promise<StepOutcome> {
    const provider = this.options.providers.get(kind.definition.name);
    const handler = provider?.steps[step];
    if (!handler) {
      return {
        ok: false,
        error: { code: 'no_provider', message: `No provider implements ${kind.definition.name}.${step}.` },
      };
    }
    try {
      return await handler(context);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      context.log(`provider threw: ${message}`);
      return { ok: false, error: { code: 'provider_error', message } };
    }
  }

  private async cancel(
    run: Run,
    resource: Resource,
    kind: RegisteredKind,
    step: string | null,
    signal: AbortSignal,
    log = new LogExcerpt(),
    startedAt = this.now(),
  ): Promise<Run | null> {
    if (step) {
      const provider = this.options.providers.get(kind.definition.name);
      const context = this.context(run, resource, step, run.attempt, signal, log);
      try {
        await provider?.cleanup?.(context);
      } catch (error) {
        log.append(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      const event = hasEdge(kind, resource.state, 'CANCEL') ? 'CANCEL' : 'FAILURE';
      const error = {
        code: 'cancelled',
        message: `Cancelled by ${run.cancelRequestedBy ?? 'unknown'}: ${run.cancelReason ?? 'no reason given'}`,
      };
      await this.record(run, resource, kind, event, 'cancelled', {
        startedAt,
        log,
        error,
        attempt: run.attempt,
      });
    }
    return this.finish(run, 'cancelled', null);
  }

  private async record(
    run: Run,
    resource: Resource,
    kind: RegisteredKind,
    event: string,
    outcome: TransitionOutcome,
    details: {
      startedAt: string;
      outputs?: Record<string, unknown>;
      log?: LogExcerpt;
      attempt?: number;
      error?: RunError;
      /** The resource is not this run's own: it must be held by no run. */
      displacement?: boolean;
    },
  ): Promise<Resource> {
    const to = nextState(kind, resource.state, event);
    const endedAt = this.now();
    const outputs = redactSecrets(details.outputs ?? {});
    try {
      return await this.options.store.recordTransition({
        transition: {
          id: this.options.newId(),
          seq: resource.seq + 1,
          resourceId: resource.id,
          kind: resource.kind,
          runId: run.id,
          from: resource.state,
          to,
          event,
          attempt: details.attempt ?? 1,
          startedAt: details.startedAt,
          endedAt,
          durationMs: Date.parse(endedAt) - Date.parse(details.startedAt),
          outcome,
          error: details.error ?? null,
          outputs,
          log: details.log?.toString() ?? '',
          actor: run.requestedBy,
        },
        status: outputs,
        releaseName: kind.terminalStates.has(to),
        ...(details.displacement ? { expectedActiveRunId: null } : {}),
      });
    } catch (error) {
      if (error instanceof SlipwayError && error.code === 'version_conflict') {
        throw new SlipwayError('version_conflict', `Run ${run.id} lost its resource to a concurrent change.`);
      }
      throw error;
    }
  }

  private async finish(run: Run, status: RunStatus, error: RunError | null): Promise<Run | null> {
    const finishedAt = this.now();
    const began = run.startedAt ?? run.createdAt;
    return this.options.store.finishRun(run.id, ACTIVE, {
      status,
      error,
      finishedAt,
      durationMs: Date.parse(finishedAt) - Date.parse(began),
    });
  }

  private context(
    run: Run,
    resource: Resource,
    step: string,
    attempt: number,
    signal: AbortSignal,
    log: LogExcerpt,
  ): StepContext {
    return {
      resource,
      run,
      step,
      attempt,
      idempotencyToken: `${run.id}:${step}`,
      signal,
      log: (line) => log.append(line),
    };
  }

  private now(): string {
    return this.options.clock.now().toISOString();
  }
}

function hasEdge(kind: RegisteredKind, from: string, event: string): boolean {
  return kind.graph.edges.some((edge) => edge.from === from && edge.event === event);
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The machine decides where an event leads; a refused event is a bug in the plan, not user input. */
export function nextState(kind: RegisteredKind, from: string, event: string): string {
  const machine = kind.definition.machine;
  const snapshot = machine.resolveState({ value: from, context: {} });
  const [next] = pureTransition(machine, snapshot, { type: event });
  const to = typeof next.value === 'string' ? next.value : null;
  if (!to || (to === from && !hasEdge(kind, from, event))) {
    throw new Error(`${kind.definition.name}: event ${event} is not allowed in state ${from}`);
  }
  return to;
}
