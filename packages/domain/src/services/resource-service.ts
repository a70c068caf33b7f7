import { Value } from 'typebox/value';
import {
  busyHolder,
  enteringStates,
  exclusiveGroup,
  exclusiveHolders,
  groupMembersIn,
} from '../engine/exclusive-holders';
import { planPath } from '../engine/plan-path';
import { endsLife, referencingResources, resourceInUse } from '../engine/references';
import { SlipwayError } from '../errors/slipway-error';
import { withArticle } from '../kinds/article';
import type { KindRegistry, RegisteredKind } from '../kinds/kind-registry';
import { hasPermission, type Principal } from '../model/principal';
import type { Page, Resource } from '../model/resource';
import { isTerminalRunStatus, type Run } from '../model/run';
import type { Transition } from '../model/transition';
import type { Clock } from '../ports/clock';
import type { Executor } from '../ports/executor';
import type { KindProvider } from '../ports/provider';
import type { ResourceQuery, ResourceStore } from '../ports/resource-store';
import type { RunStore, TransitionQuery } from '../ports/run-store';
import { ReferenceGuard, referencesIn } from './reference-guard';

export interface ResourceServiceOptions {
  store: ResourceStore & RunStore;
  kinds: KindRegistry;
  providers: ReadonlyMap<string, KindProvider>;
  executor: Executor;
  clock: Clock;
  newId: () => string;
}

export interface CreateResourceInput {
  name: string;
  spec: Record<string, unknown>;
  labels?: Record<string, string>;
}

export interface PatchResourceInput {
  spec?: Record<string, unknown>;
  labels?: Record<string, string>;
}

export interface RunRequest {
  target: string;
  reason?: string;
  force?: boolean;
}

export interface RequestMeta {
  requestId?: string;
  idempotencyKey?: string;
}

/** The one interface the API has to the engine: every operation checks permission first. */
export class ResourceService {
  private readonly references: ReferenceGuard;

  constructor(private readonly options: ResourceServiceOptions) {
    this.references = new ReferenceGuard(options.store, options.kinds);
  }

  async create(kindName: string, input: CreateResourceInput, principal: Principal): Promise<Resource> {
    const kind = this.kind(kindName, principal, 'write');
    this.validateSpec(kind, input.spec);
    await this.references.check(kind, input.spec);
    const now = this.now();
    const resource: Resource = {
      id: this.options.newId(),
      kind: kind.definition.name,
      name: input.name,
      state: kind.graph.initial,
      version: 1,
      seq: 0,
      spec: input.spec,
      status: {},
      labels: input.labels ?? {},
      activeRunId: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.options.store.createResource(resource);
    const refused = await this.references.confirm(kind, input.spec);
    if (refused) {
      const withdrawnBy = await this.withdraw(kind, resource.id, principal, refused.message);
      throw new SlipwayError(
        refused.code,
        `${refused.message} The ${kind.definition.name} ${resource.id} written meanwhile is withdrawn${withdrawnBy ? ` (run ${withdrawnBy})` : ''}.`,
        { ...refused.details, withdrawn: resource.id, withdrawnBy },
      );
    }
    return resource;
  }

  async get(kindName: string, id: string, principal: Principal): Promise<Resource> {
    const kind = this.kind(kindName, principal, 'read');
    return this.load(kind, id);
  }

  /**
   * What is observed now, beside the stored representation: the provider's live view, and for a
   * kind with an exclusive state, which resource of the group holds it (a service's live cluster).
   * Null when the kind has neither.
   */
  async observe(kindName: string, resource: Resource): Promise<Record<string, unknown> | null> {
    const kind = this.options.kinds.get(kindName);
    const provider = this.options.providers.get(kind.definition.name);
    const exclusive = kind.definition.exclusive;
    if (!provider?.observe && !exclusive) return null;
    let observed: Record<string, unknown> = {};
    try {
      if (provider?.observe) observed = await provider.observe(resource);
    } catch (error) {
      // A failing look must not fail the read: the stored representation is still the answer.
      observed = {
        error: `the provider could not observe it: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    const group = exclusiveGroup(kind, resource);
    if (exclusive && group !== null) {
      const holder =
        resource.state === exclusive.state
          ? resource
          : (await exclusiveHolders(this.options.store, kind, resource))[0];
      observed[exclusive.groupField] = { name: group, [exclusive.state]: holder?.id ?? null };
    }
    return observed;
  }

  async list(
    kindName: string,
    query: Omit<ResourceQuery, 'kind'>,
    principal: Principal,
  ): Promise<Page<Resource>> {
    const kind = this.kind(kindName, principal, 'read');
    return this.options.store.listResources({ ...query, kind: kind.definition.name });
  }

  async patch(
    kindName: string,
    id: string,
    input: PatchResourceInput,
    expectedVersion: number | null,
    principal: Principal,
  ): Promise<Resource> {
    const kind = this.kind(kindName, principal, 'write');
    const resource = await this.load(kind, id);
    if (expectedVersion !== null && expectedVersion !== resource.version) {
      throw new SlipwayError(
        'precondition_failed',
        `If-Match names version ${expectedVersion} but the resource is at version ${resource.version}; GET it again and retry.`,
        { currentVersion: resource.version },
      );
    }
    if (input.spec) {
      if (!kind.definition.editableIn.includes(resource.state)) {
        throw new SlipwayError(
          'not_editable',
          `The spec of ${withArticle(kind.definition.name)} can change only in state ${kind.definition.editableIn.join(' or ')}; this one is ${resource.state}.`,
        );
      }
      if (resource.activeRunId) {
        throw new SlipwayError(
          'run_conflict',
          `Run ${resource.activeRunId} is active on this resource; wait for it or cancel it.`,
          {
            activeRunId: resource.activeRunId,
          },
        );
      }
      this.validateSpec(kind, input.spec);
      await this.references.check(kind, input.spec);
    }
    try {
      const patched = await this.options.store.patchResource(id, resource.version, input, this.now());
      const refused = input.spec ? await this.references.confirm(kind, input.spec) : null;
      if (refused) {
        await this.revertReferences(kind, patched, resource.spec);
        throw new SlipwayError(refused.code, `${refused.message} The patch was undone.`, refused.details);
      }
      return patched;
    } catch (error) {
      if (error instanceof SlipwayError && error.code === 'version_conflict' && expectedVersion !== null) {
        throw new SlipwayError(
          'precondition_failed',
          'The resource changed while the patch was applied; GET it again and retry.',
        );
      }
      throw error;
    }
  }

  async requestRun(
    kindName: string,
    id: string,
    request: RunRequest,
    principal: Principal,
    meta: RequestMeta = {},
  ): Promise<Run> {
    const kind = this.kind(kindName, principal, 'transition');
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
    const resource = await this.load(kind, id);
    if (resource.activeRunId) throw runConflict(resource.activeRunId);
    await this.refuseWhileDisplacing(kind, resource);
    if (endsLife(kind, request.target)) {
      const holders = await referencingResources(this.options.store, this.options.kinds, resource);
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
    if (resource.state === request.target) {
      throw new SlipwayError(
        'already_in_target',
        `The ${kind.definition.name} is already ${resource.state}.`,
      );
    }
    const path = planPath(kind.graph, resource.state, request.target);
    if (!path) {
      throw new SlipwayError(
        'unreachable_target',
        `A ${kind.definition.name} in state "${resource.state}" cannot reach "${request.target}".`,
        { state: resource.state },
      );
    }
    const entering = enteringStates(kind);
    if (path.some((edge) => entering.includes(edge.to))) await this.refuseWhileHolderBusy(kind, resource);
    const run = this.newRun(kind, resource, principal, meta, {
      target: request.target,
      action: null,
      reason,
      force: request.force ?? false,
    });
    // Refused before anything is stored: a run the queue cannot take must leave no trace.
    await this.options.executor.ensureAccepting();
    await this.startRun(kind, resource, run);
    await this.options.executor.submit(run.id);
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
    const kind = this.kind(kindName, principal, 'transition');
    const action = kind.definition.actions?.[actionName];
    if (!action) {
      throw new SlipwayError('route_not_found', `A ${kind.definition.name} has no action "${actionName}".`);
    }
    const resource = await this.load(kind, id);
    if (resource.activeRunId) throw runConflict(resource.activeRunId);
    await this.refuseWhileDisplacing(kind, resource);
    if (!action.allowedIn.includes(resource.state)) {
      throw new SlipwayError(
        'action_not_allowed',
        `${actionName} runs on ${withArticle(kind.definition.name)} that is ${action.allowedIn.join(' or ')}; this one is ${resource.state}.`,
        { state: resource.state },
      );
    }
    const run = this.newRun(kind, resource, principal, meta, {
      target: resource.state,
      action: actionName,
      reason: null,
      force: false,
    });
    // Refused before anything is stored: a run the queue cannot take must leave no trace.
    await this.options.executor.ensureAccepting();
    await this.startRun(kind, resource, run);
    await this.options.executor.submit(run.id);
    return run;
  }

  async getRun(runId: string, principal: Principal): Promise<Run> {
    const run = await this.options.store.getRun(runId);
    if (!run) throw new SlipwayError('run_not_found', `No run with id "${runId}".`);
    this.kind(run.kind, principal, 'read');
    return run;
  }

  async cancelRun(runId: string, principal: Principal, reason?: string): Promise<Run> {
    const run = await this.getRun(runId, principal);
    this.kind(run.kind, principal, 'transition');
    const { store } = this.options;
    if (isTerminalRunStatus(run.status)) {
      throw new SlipwayError('run_finished', `Run ${run.id} already ended ${run.status}; nothing to cancel.`);
    }
    const cancel = { cancelRequestedBy: principal.id, cancelReason: reason?.trim() || null };
    // A queued run has not touched the resource: it ends here. Otherwise the walker cleans up.
    const queued = await store.updateRun(run.id, ['queued'], { ...cancel, status: 'cancelling' });
    if (queued) {
      const now = this.now();
      const ended = await store.finishRun(run.id, ['cancelling'], {
        status: 'cancelled',
        error: null,
        finishedAt: now,
        durationMs: Date.parse(now) - Date.parse(run.createdAt),
      });
      if (ended) return ended;
    }
    const running = await store.updateRun(run.id, ['running'], { ...cancel, status: 'cancelling' });
    this.options.executor.abort(run.id);
    return running ?? (await this.getRun(run.id, principal));
  }

  async listTransitions(query: TransitionQuery, principal: Principal): Promise<Page<Transition>> {
    if (query.kind) this.kind(query.kind, principal, 'read');
    else if (
      !hasPermission(principal, 'admin') &&
      !this.options.kinds.all().every((k) => hasPermission(principal, `${k.definition.name}:read`))
    ) {
      throw new SlipwayError(
        'forbidden',
        'Reading the whole audit log needs read permission on every kind; filter by kind.',
      );
    }
    return this.options.store.listTransitions(query);
  }

  private kind(name: string, principal: Principal, verb: 'read' | 'write' | 'transition'): RegisteredKind {
    const kind = this.options.kinds.get(name);
    const permission = `${kind.definition.name}:${verb}`;
    if (!hasPermission(principal, permission)) {
      throw new SlipwayError('forbidden', `This needs the "${permission}" permission.`);
    }
    return kind;
  }

  private newRun(
    kind: RegisteredKind,
    resource: Resource,
    principal: Principal,
    meta: RequestMeta,
    what: Pick<Run, 'target' | 'action' | 'reason' | 'force'>,
  ): Run {
    return {
      id: this.options.newId(),
      resourceId: resource.id,
      kind: kind.definition.name,
      ...what,
      status: 'queued',
      requestedBy: principal.id,
      requestId: meta.requestId ?? null,
      idempotencyKey: meta.idempotencyKey ?? null,
      fromState: resource.state,
      step: null,
      attempt: 0,
      error: null,
      cancelRequestedBy: null,
      cancelReason: null,
      createdAt: this.now(),
      startedAt: null,
      finishedAt: null,
      durationMs: null,
    };
  }

  /**
   * The holder of an exclusive state (the live cluster) takes no run while another resource of
   * its group is on its way into that state (promoting): that run will record the holder's
   * displacement, which a run of the holder's own would make impossible.
   */
  private async refuseWhileDisplacing(kind: RegisteredKind, resource: Resource): Promise<void> {
    if (resource.state !== kind.definition.exclusive?.state) return;
    for (const state of enteringStates(kind)) {
      const [entering] = (await groupMembersIn(this.options.store, kind, resource, state)).filter(
        (member) => member.activeRunId !== null,
      );
      if (entering?.activeRunId) {
        throw new SlipwayError(
          'run_conflict',
          `${kind.definition.name} ${entering.id} of the same ${kind.definition.exclusive.groupField} is ${state} (run ${entering.activeRunId}) and will move this one out of ${resource.state}; wait for that run to end.`,
          { activeRunId: entering.activeRunId },
        );
      }
    }
  }

  /**
   * Starts the run, then looks again at what could have raced it. A holder of the exclusive state
   * (the live cluster) refuses its run also when a group member entered the displacing state
   * (promoting) after the first look: the promotion lists the holder's run only after it entered,
   * so one of the two always sees the other, and this side gives way before any step.
   */
  private async startRun(kind: RegisteredKind, resource: Resource, run: Run): Promise<void> {
    await this.options.store.startRun(run);
    try {
      await this.refuseWhileDisplacing(kind, resource);
    } catch (error) {
      if (!(error instanceof SlipwayError)) throw error;
      const now = this.now();
      await this.options.store.finishRun(run.id, ['queued'], {
        status: 'failed',
        error: { code: error.code, message: error.message },
        finishedAt: now,
        durationMs: Date.parse(now) - Date.parse(run.createdAt),
      });
      throw error;
    }
  }

  /**
   * A run that would enter the exclusive state (promote) is refused while the current holder (the
   * live cluster) has a run of its own: the promotion would have to wait for it, or displace a
   * resource another run is working on.
   */
  private async refuseWhileHolderBusy(kind: RegisteredKind, resource: Resource): Promise<void> {
    const busy = await busyHolder(this.options.store, kind, resource);
    if (!busy?.activeRunId) return;
    throw new SlipwayError(
      'run_conflict',
      `${busy.kind} ${busy.id} holds "${kind.definition.exclusive?.state}" and has run ${busy.activeRunId} active; ` +
        `request this when that run has ended (GET /v1/runs/${busy.activeRunId}).`,
      { activeRunId: busy.activeRunId },
    );
  }

  /**
   * A reference written in a race with the destroy of what it names is taken back: the new
   * resource leaves through its kind's own path to a terminal state, on the audit trail.
   */
  private async withdraw(
    kind: RegisteredKind,
    id: string,
    principal: Principal,
    why: string,
  ): Promise<string | null> {
    const resource = await this.options.store.getResource(id);
    if (!resource || resource.activeRunId) return null;
    const target = Object.keys(kind.definition.targets).find(
      (name) => endsLife(kind, name) && planPath(kind.graph, resource.state, name),
    );
    if (!target) return null;
    const run = this.newRun(
      kind,
      resource,
      principal,
      {},
      {
        target,
        action: null,
        reason: `Withdrawn at creation: ${why}`,
        force: true,
      },
    );
    try {
      await this.options.store.startRun(run);
    } catch (error) {
      if (error instanceof SlipwayError) return null;
      throw error;
    }
    await this.options.executor.submit(run.id);
    return run.id;
  }

  /** Puts back the reference fields a refused patch changed, unless someone changed them since. */
  private async revertReferences(
    kind: RegisteredKind,
    patched: Resource,
    previous: Record<string, unknown>,
  ): Promise<void> {
    let current = patched;
    for (let attempt = 0; attempt < 5; attempt++) {
      const spec = { ...current.spec };
      for (const [reference] of referencesIn(kind, patched.spec)) {
        if (spec[reference.field] === patched.spec[reference.field])
          spec[reference.field] = previous[reference.field];
      }
      try {
        await this.options.store.patchResource(current.id, current.version, { spec }, this.now());
        return;
      } catch (error) {
        if (!(error instanceof SlipwayError) || error.code !== 'version_conflict') throw error;
        const fresh = await this.options.store.getResource(current.id);
        if (!fresh) return;
        current = fresh;
      }
    }
  }

  private async load(kind: RegisteredKind, id: string): Promise<Resource> {
    const resource = await this.options.store.getResource(id);
    if (!resource || resource.kind !== kind.definition.name) {
      throw new SlipwayError('resource_not_found', `No ${kind.definition.name} with id "${id}".`);
    }
    return resource;
  }

  private validateSpec(kind: RegisteredKind, spec: Record<string, unknown>): void {
    const schemaErrors = [...Value.Errors(kind.definition.spec, spec)].map(
      (error) => `spec${error.instancePath.replaceAll('/', '.')}: ${error.message}`,
    );
    const provider = this.options.providers.get(kind.definition.name);
    const problems = schemaErrors.length > 0 ? schemaErrors : (provider?.validateSpec?.(spec) ?? []);
    if (problems.length > 0) {
      throw new SlipwayError('invalid_spec', problems.join('; '), { problems });
    }
  }

  private now(): string {
    return this.options.clock.now().toISOString();
  }
}

export function runConflict(activeRunId: string): SlipwayError {
  return new SlipwayError(
    'run_conflict',
    `Run ${activeRunId} is already active on this resource; wait for it to end or cancel it (POST /v1/runs/${activeRunId}/cancel).`,
    { activeRunId },
  );
}
