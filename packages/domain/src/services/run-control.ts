import { SlipwayError } from '../errors/slipway-error';
import { hasPermission, type Principal } from '../model/principal';
import type { Page } from '../model/resource';
import { isTerminalRunStatus, type Run } from '../model/run';
import type { Transition } from '../model/transition';
import type { RunQuery, TransitionQuery } from '../ports/run-store';
import type { ServiceContext } from './service-context';

/** Following and stopping runs, and reading the audit trail. */
export class RunControl {
  constructor(private readonly context: ServiceContext) {}

  async getRun(runId: string, principal: Principal): Promise<Run> {
    const run = await this.context.options.store.getRun(runId);
    // A run of a kind the caller may not read answers like a missing one: its existence is not theirs to learn.
    if (!run || !hasPermission(principal, `${run.kind}:read`)) {
      throw new SlipwayError('run_not_found', `No run with id "${runId}".`);
    }
    return run;
  }

  async cancelRun(runId: string, principal: Principal, reason?: string): Promise<Run> {
    const run = await this.getRun(runId, principal);
    this.context.kind(run.kind, principal, 'transition');
    const { store } = this.context.options;
    if (isTerminalRunStatus(run.status)) {
      throw new SlipwayError('run_finished', `Run ${run.id} already ended ${run.status}; nothing to cancel.`);
    }
    const cancel = { cancelRequestedBy: principal.id, cancelReason: reason?.trim() || null };
    // A queued run has not touched the resource: it ends here. Otherwise the walker cleans up.
    const queued = await store.updateRun(run.id, ['queued'], { ...cancel, status: 'cancelling' });
    if (queued) {
      const now = this.context.now();
      const ended = await store.finishRun(run.id, ['cancelling'], {
        status: 'cancelled',
        error: null,
        finishedAt: now,
        durationMs: Date.parse(now) - Date.parse(run.createdAt),
      });
      if (ended) return ended;
    }
    const running = await store.updateRun(run.id, ['running'], { ...cancel, status: 'cancelling' });
    this.context.options.executor.abort(run.id);
    return running ?? (await this.getRun(run.id, principal));
  }

  async listTransitions(query: TransitionQuery, principal: Principal): Promise<Page<Transition>> {
    this.requireRead(query.kind, principal, 'Reading the whole audit log');
    return this.context.options.store.listTransitions(query);
  }

  async listRuns(query: RunQuery, principal: Principal): Promise<Page<Run>> {
    this.requireRead(query.kind, principal, 'Listing the runs of every kind');
    return this.context.options.store.listRuns(query);
  }

  async history(
    kindName: string,
    id: string,
    query: Omit<TransitionQuery, 'kind' | 'resourceId'>,
    principal: Principal,
  ): Promise<Page<Transition>> {
    const kind = this.context.kind(kindName, principal, 'read');
    await this.context.load(kind, id);
    return this.context.options.store.listTransitions({ ...query, resourceId: id });
  }

  private requireRead(kind: string | undefined, principal: Principal, what: string): void {
    if (kind) {
      this.context.kind(kind, principal, 'read');
      return;
    }
    if (
      !hasPermission(principal, 'admin') &&
      !this.context.options.kinds.all().every((k) => hasPermission(principal, `${k.definition.name}:read`))
    ) {
      throw new SlipwayError('forbidden', `${what} needs read permission on every kind; filter by kind.`);
    }
  }
}
