import { transition as pureTransition } from 'xstate';
import { runTargetLabel } from '../analytics/rollup';
import { SlipwayError } from '../errors/slipway-error';
import type { RegisteredKind } from '../kinds/kind-registry';
import type { Resource } from '../model/resource';
import type { Run, RunError, RunStatus } from '../model/run';
import type { TransitionOutcome } from '../model/transition';
import type { Clock } from '../ports/clock';
import type { RunStore } from '../ports/run-store';
import type { LogExcerpt } from './log-excerpt';
import { redactSecrets } from './redact-secrets';

const ACTIVE: readonly RunStatus[] = ['queued', 'running', 'cancelling'];

/** What a walk writes: each state change as one recorded transition, and the run's end. */
export class WalkRecorder {
  constructor(private readonly options: { store: RunStore; clock: Clock; newId: () => string }) {}

  async record(
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
          target: runTargetLabel(run),
          reason: run.reason,
          requestId: run.requestId,
          step: details.displacement ? null : stepEndedBy(kind, run, resource.state, event, outcome),
          groups: run.groups ?? {},
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

  async finish(run: Run, status: RunStatus, error: RunError | null): Promise<Run | null> {
    const finishedAt = this.now();
    const began = run.startedAt ?? run.createdAt;
    return this.options.store.finishRun(run.id, ACTIVE, {
      status,
      error,
      finishedAt,
      durationMs: Date.parse(finishedAt) - Date.parse(began),
    });
  }

  now(): string {
    return this.options.clock.now().toISOString();
  }
}

/** The provider step a transition out of `from` answers for: an action's, or the working state's. */
function stepEndedBy(
  kind: RegisteredKind,
  run: Run,
  from: string,
  event: string,
  outcome: TransitionOutcome,
): string | null {
  const action = run.action ? kind.definition.actions?.[run.action] : undefined;
  if (action && event === action.event) return action.step;
  if (outcome === 'requested') return null;
  return kind.graph.states.find((state) => state.name === from)?.step ?? null;
}

export function hasEdge(kind: RegisteredKind, from: string, event: string): boolean {
  return kind.graph.edges.some((edge) => edge.from === from && edge.event === event);
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
