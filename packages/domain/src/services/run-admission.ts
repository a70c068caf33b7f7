import { busyHolder, enteringStates, groupMembersIn, runEnteringGroup } from '../engine/exclusive-holders';
import { planPath, planReentry } from '../engine/plan-path';
import { endsLife, referencingResources, resourceInUse } from '../engine/references';
import { SlipwayError } from '../errors/slipway-error';
import { withArticle } from '../kinds/article';
import type { RegisteredKind } from '../kinds/kind-registry';
import type { Principal } from '../model/principal';
import type { Resource } from '../model/resource';
import type { Run, RunInput } from '../model/run';
import type { RequestMeta, ServiceContext } from './service-context';

export interface RunRequest {
  target: string;
  reason?: string;
  force?: boolean;
  /** Only from a kind's own route, which checked it: the generic runs route takes none. */
  input?: RunInput;
}

/**
 * Admitting runs: whether a target or an action may be requested now, against the kind's rules,
 * the one-active-run lock and the exclusive state's group; then stored and handed to the executor.
 */
export class RunAdmission {
  constructor(private readonly context: ServiceContext) {}

  async requestRun(
    kindName: string,
    id: string,
    request: RunRequest,
    principal: Principal,
    meta: RequestMeta = {},
  ): Promise<Run> {
    const kind = this.context.kind(kindName, principal, 'transition');
    const target = kind.definition.targets[request.target];
    if (!target) {
      throw new SlipwayError(
        'invalid_target',
        `"${request.target}" is not a target ${withArticle(kind.definition.name)} run can request; use one of: ${Object.keys(kind.definition.targets).join(', ')}.`,
      );
    }
    const reason = request.reason?.trim() || null;
    if (target.reasonRequired && !reason) {
      throw new SlipwayError(
        'reason_required',
        `A run to "${request.target}" needs a reason for the audit trail: set "reason".`,
      );
    }
    const resource = await this.context.load(kind, id);
    if (resource.activeRunId) throw runConflict(resource.activeRunId);
    await this.refuseWhileDisplacing(kind, resource);
    if (endsLife(kind, request.target)) {
      const holders = await referencingResources(
        this.context.options.store,
        this.context.options.kinds,
        resource,
      );
      if (holders.length > 0) throw resourceInUse(resource, holders);
    }
    if (target.forceFrom?.includes(resource.state)) {
      if (!request.force) {
        throw new SlipwayError(
          'force_required',
          `The ${kind.definition.name} is ${resource.state}; a run to "${request.target}" from there needs "force": true and a reason.`,
          { state: resource.state },
        );
      }
      if (!reason) {
        throw new SlipwayError(
          'reason_required',
          'A forced run needs a reason for the audit trail: set "reason".',
        );
      }
    }
    const reentry = kind.definition.targets[request.target]?.reentry;
    if (resource.state === request.target && !reentry) {
      throw new SlipwayError(
        'already_in_target',
        `The ${kind.definition.name} is already ${resource.state}.`,
      );
    }
    const path =
      resource.state === request.target && reentry
        ? planReentry(kind.graph, resource.state, reentry)
        : planPath(kind.graph, resource.state, request.target);
    if (!path) {
      throw new SlipwayError(
        'unreachable_target',
        `A ${kind.definition.name} in state "${resource.state}" cannot reach "${request.target}".`,
        { state: resource.state },
      );
    }
    for (const guard of this.context.options.runGuards ?? []) {
      if (guard.kind !== kind.definition.name) continue;
      if (guard.targets && !guard.targets.includes(request.target)) continue;
      await guard.check({
        resource,
        request: { target: request.target, reason, force: request.force ?? false },
        principal,
      });
    }
    const entering = enteringStates(kind);
    const entersExclusive = path.some((edge) => entering.includes(edge.to));
    if (entersExclusive) await this.refuseWhileHolderBusy(kind, resource);
    const run = this.context.newRun(kind, resource, principal, meta, {
      target: request.target,
      action: null,
      reason,
      force: request.force ?? false,
      ...(request.input ? { input: request.input } : {}),
    });
    run.failingSince = await this.context.failingSince(run);
    // Refused before anything is stored: a run the queue cannot take must leave no trace.
    await this.context.options.executor.ensureAccepting();
    await this.startRun(kind, resource, run, entersExclusive);
    await this.context.options.executor.submit(run.id);
    return run;
  }

  /**
   * Starts a run that performs one of the kind's actions (re-verifying a cluster): it holds the
   * one-active-run lock like any run and ends with one self-transition carrying the result.
   */
  async runAction(
    kindName: string,
    id: string,
    actionName: string,
    principal: Principal,
    meta: RequestMeta = {},
  ): Promise<Run> {
    const kind = this.context.kind(kindName, principal, 'transition');
    const action = kind.definition.actions?.[actionName];
    if (!action) {
      throw new SlipwayError('route_not_found', `A ${kind.definition.name} has no action "${actionName}".`);
    }
    const resource = await this.context.load(kind, id);
    if (resource.activeRunId) throw runConflict(resource.activeRunId);
    await this.refuseWhileDisplacing(kind, resource);
    if (!action.allowedIn.includes(resource.state)) {
      throw new SlipwayError(
        'action_not_allowed',
        `${actionName} runs on ${withArticle(kind.definition.name)} that is ${action.allowedIn.join(' or ')}; this one is ${resource.state}.`,
        { state: resource.state },
      );
    }
    const run = this.context.newRun(kind, resource, principal, meta, {
      target: resource.state,
      action: actionName,
      reason: null,
      force: false,
    });
    run.failingSince = await this.context.failingSince(run);
    // Refused before anything is stored: a run the queue cannot take must leave no trace.
    await this.context.options.executor.ensureAccepting();
    await this.startRun(kind, resource, run, false);
    await this.context.options.executor.submit(run.id);
    return run;
  }

  /**
   * The holder of an exclusive state (the live cluster) takes no run while another resource of
   * its group is on its way into that state: in the displacing state (promoting), or with a run
   * to that state accepted and not yet ended (a queued promote). That run will record the holder's
   * displacement, which a run of the holder's own would hold up: the promotion would wait in its
   * step, holding an executor slot, for a run that may be queued behind it.
   */
  private async refuseWhileDisplacing(kind: RegisteredKind, resource: Resource): Promise<void> {
    const conflict = await this.displacingConflict(kind, resource);
    if (conflict) throw conflict;
  }

  private async displacingConflict(kind: RegisteredKind, resource: Resource): Promise<SlipwayError | null> {
    const exclusive = kind.definition.exclusive;
    if (!exclusive || resource.state !== exclusive.state) return null;
    for (const state of enteringStates(kind)) {
      const [entering] = (await groupMembersIn(this.context.options.store, kind, resource, state)).filter(
        (member) => member.activeRunId !== null,
      );
      if (entering?.activeRunId) {
        return new SlipwayError(
          'run_conflict',
          `${kind.definition.name} ${entering.id} of the same ${exclusive.groupField} is ${state} (run ${entering.activeRunId}) and will move this one out of ${resource.state}; wait for that run to end.`,
          { activeRunId: entering.activeRunId },
        );
      }
    }
    const headed = await runEnteringGroup(this.context.options.store, kind, resource);
    if (!headed) return null;
    return new SlipwayError(
      'run_conflict',
      `${kind.definition.name} ${headed.member.id} of the same ${exclusive.groupField} has run ${headed.run.id} to "${exclusive.state}" (${headed.run.status}), which will move this one out of ${resource.state}; wait for that run to end.`,
      { activeRunId: headed.run.id },
    );
  }

  /**
   * Starts the run, then looks again at what could have raced it, each side writing before it
   * reads: a holder of the exclusive state (the live cluster) gives way to a group member whose
   * run to that state started meanwhile, and a run to the exclusive state (a promote) gives way
   * to a run the holder started meanwhile. Whichever started second sees the first, so a
   * promotion never has to wait in its step for a holder's run. A refused run is ended before it
   * is handed to the executor. Where the second look cannot be had (the store failed us after the
   * run was stored) or the run was taken up meanwhile (a sweeper), it is walked after all: the
   * promotion's step waits for the holder rather than fail it.
   */
  private async startRun(
    kind: RegisteredKind,
    resource: Resource,
    run: Run,
    entersExclusive: boolean,
  ): Promise<void> {
    await this.context.options.store.startRun(run);
    let conflict: SlipwayError | null;
    try {
      conflict = entersExclusive
        ? await this.holderBusyConflict(kind, resource)
        : await this.displacingConflict(kind, resource);
    } catch {
      return;
    }
    if (!conflict) return;
    const now = this.context.now();
    const ended = await this.context.options.store
      .finishRun(run.id, ['queued'], {
        status: 'failed',
        error: { code: conflict.code, message: conflict.message },
        finishedAt: now,
        durationMs: Date.parse(now) - Date.parse(run.createdAt),
      })
      .catch(() => null);
    if (ended) throw conflict;
  }

  /**
   * A run that would enter the exclusive state (promote) is refused while the current holder (the
   * live cluster) has a run of its own: the promotion would have to wait for it, or displace a
   * resource another run is working on.
   */
  private async refuseWhileHolderBusy(kind: RegisteredKind, resource: Resource): Promise<void> {
    const conflict = await this.holderBusyConflict(kind, resource);
    if (conflict) throw conflict;
  }

  private async holderBusyConflict(kind: RegisteredKind, resource: Resource): Promise<SlipwayError | null> {
    const busy = await busyHolder(this.context.options.store, kind, resource);
    if (!busy?.activeRunId) return null;
    return new SlipwayError(
      'run_conflict',
      `${busy.kind} ${busy.id} holds "${kind.definition.exclusive?.state}" and has run ${busy.activeRunId} active; ` +
        `request this when that run has ended (GET /v1/runs/${busy.activeRunId}).`,
      { activeRunId: busy.activeRunId },
    );
  }
}

export function runConflict(activeRunId: string): SlipwayError {
  return new SlipwayError(
    'run_conflict',
    `Run ${activeRunId} is already active on this resource; wait for it to end or cancel it (POST /v1/runs/${activeRunId}/cancel).`,
    { activeRunId },
  );
}
