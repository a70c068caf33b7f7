import type { GuardActions } from '../engine/guards';
import { type InstantChange, recordInstantRun } from '../engine/instant-run';
import type { Principal } from '../model/principal';
import type { Page, Resource } from '../model/resource';
import type { Run } from '../model/run';
import type { Transition } from '../model/transition';
import type { ResourceQuery } from '../ports/resource-store';
import type { RunQuery, TransitionQuery } from '../ports/run-store';
import { ResourceReads } from './resource-reads';
import { type CreateResourceInput, type PatchResourceInput, ResourceWrites } from './resource-writes';
import { RunAdmission, type RunRequest, runConflict } from './run-admission';
import { RunControl } from './run-control';
import { type RequestMeta, type ResourceServiceOptions, ServiceContext } from './service-context';

export type { CreateResourceInput, PatchResourceInput } from './resource-writes';
export { type RunRequest, runConflict } from './run-admission';
export type { RequestMeta, ResourceServiceOptions } from './service-context';

/**
 * The one interface the API has to the engine: every operation checks permission first. Each job
 * is its own part: reads, writes, run admission, run control.
 */
export class ResourceService {
  private readonly reads: ResourceReads;
  private readonly writes: ResourceWrites;
  private readonly admission: RunAdmission;
  private readonly control: RunControl;
  private readonly context: ServiceContext;

  constructor(options: ResourceServiceOptions) {
    const context = new ServiceContext(options);
    this.context = context;
    const actions: GuardActions = {
      create: (kind, input, principal) => this.writes.create(kind, input, principal),
      requestRun: (kind, id, request, principal) => this.admission.requestRun(kind, id, request, principal),
      patch: (kind, id, spec, principal) => this.writes.patch(kind, id, { spec }, null, principal),
    };
    this.reads = new ResourceReads(context);
    this.writes = new ResourceWrites(context, actions);
    this.admission = new RunAdmission(context);
    this.control = new RunControl(context);
  }

  create(kindName: string, input: CreateResourceInput, principal: Principal): Promise<Resource> {
    return this.writes.create(kindName, input, principal);
  }

  get(kindName: string, id: string, principal: Principal): Promise<Resource> {
    return this.reads.get(kindName, id, principal);
  }

  /** The provider's live view and the exclusive state's holder; null when the kind has neither. */
  observe(kindName: string, resource: Resource): Promise<Record<string, unknown> | null> {
    return this.reads.observe(kindName, resource);
  }

  list(
    kindName: string,
    query: Omit<ResourceQuery, 'kind' | 'excludeStates'> & { includeDestroyed?: boolean },
    principal: Principal,
  ): Promise<Page<Resource>> {
    return this.reads.list(kindName, query, principal);
  }

  patch(
    kindName: string,
    id: string,
    input: PatchResourceInput,
    expectedVersion: number | null,
    principal: Principal,
  ): Promise<Resource> {
    return this.writes.patch(kindName, id, input, expectedVersion, principal);
  }

  requestRun(
    kindName: string,
    id: string,
    request: RunRequest,
    principal: Principal,
    meta: RequestMeta = {},
  ): Promise<Run> {
    return this.admission.requestRun(kindName, id, request, principal, meta);
  }

  /** A run performing one of the kind's actions, recorded as one self-transition. */
  runAction(
    kindName: string,
    id: string,
    actionName: string,
    principal: Principal,
    meta: RequestMeta = {},
  ): Promise<Run> {
    return this.admission.runAction(kindName, id, actionName, principal, meta);
  }

  /**
   * Records one change that needs no provider step (freezing a service) as a run of its own with
   * one transition carrying the actor and the reason. Needs `{kind}:transition`; refused with 409
   * while another run is active on the resource.
   */
  async recordEvent(
    kindName: string,
    id: string,
    change: Omit<InstantChange, 'resource' | 'requestedBy'>,
    principal: Principal,
  ): Promise<Run> {
    const kind = this.context.kind(kindName, principal, 'transition');
    const resource = await this.context.load(kind, id);
    if (resource.activeRunId) throw runConflict(resource.activeRunId);
    const { run } = await recordInstantRun(
      this.context.options.store,
      { ...change, resource, requestedBy: principal.id },
      { newId: this.context.options.newId, now: () => this.context.now() },
    );
    return run;
  }

  getRun(runId: string, principal: Principal): Promise<Run> {
    return this.control.getRun(runId, principal);
  }

  cancelRun(runId: string, principal: Principal, reason?: string): Promise<Run> {
    return this.control.cancelRun(runId, principal, reason);
  }

  /** Runs of every kind the principal may read, or of one kind. */
  listRuns(query: RunQuery, principal: Principal): Promise<Page<Run>> {
    return this.control.listRuns(query, principal);
  }

  /** What happened to one resource, who asked and why: its transitions with their runs' context. */
  history(
    kindName: string,
    id: string,
    query: Omit<TransitionQuery, 'kind' | 'resourceId'>,
    principal: Principal,
  ): Promise<Page<Transition>> {
    return this.control.history(kindName, id, query, principal);
  }

  listTransitions(query: TransitionQuery, principal: Principal): Promise<Page<Transition>> {
    return this.control.listTransitions(query, principal);
  }
}
