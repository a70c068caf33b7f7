import { analyticsGroupsOf } from '../analytics/analytics-groups';
import { runTargetLabel } from '../analytics/rollup';
import type { RunGuard, SpecGuard } from '../engine/guards';
import { SlipwayError } from '../errors/slipway-error';
import type { KindRegistry, RegisteredKind } from '../kinds/kind-registry';
import { newRun } from '../model/new-run';
import { hasPermission, type Principal } from '../model/principal';
import type { Resource } from '../model/resource';
import type { Run } from '../model/run';
import type { Clock } from '../ports/clock';
import type { Executor } from '../ports/executor';
import type { KindProvider } from '../ports/provider';
import type { ResourceStore } from '../ports/resource-store';
import type { RunStore } from '../ports/run-store';

export interface ResourceServiceOptions {
  store: ResourceStore & RunStore;
  kinds: KindRegistry;
  providers: ReadonlyMap<string, KindProvider>;
  executor: Executor;
  clock: Clock;
  newId: () => string;
  /** Other kinds' rules on specs (checked at create and patch) and on runs (checked at request). */
  specGuards?: readonly SpecGuard[];
  runGuards?: readonly RunGuard[];
}

export interface RequestMeta {
  requestId?: string;
  idempotencyKey?: string;
}

/**
 * What every part of the service shares: the permission-checked way to a kind and to one of its
 * resources, and the shape of a new run.
 */
export class ServiceContext {
  constructor(readonly options: ResourceServiceOptions) {}

  get store(): ResourceStore & RunStore {
    return this.options.store;
  }

  kind(name: string, principal: Principal, verb: 'read' | 'write' | 'transition'): RegisteredKind {
    const kind = this.options.kinds.get(name);
    const permission = `${kind.definition.name}:${verb}`;
    if (!hasPermission(principal, permission)) {
      throw new SlipwayError('forbidden', `This needs the "${permission}" permission.`);
    }
    return kind;
  }

  async load(kind: RegisteredKind, id: string): Promise<Resource> {
    const resource = await this.options.store.getResource(id);
    if (!resource || resource.kind !== kind.definition.name) {
      throw new SlipwayError('resource_not_found', `No ${kind.definition.name} with id "${id}".`);
    }
    return resource;
  }

  newRun(
    kind: RegisteredKind,
    resource: Resource,
    principal: Principal,
    meta: RequestMeta,
    what: Pick<Run, 'target' | 'action' | 'reason' | 'force' | 'input'>,
  ): Run {
    return newRun({
      id: this.options.newId(),
      resource: { ...resource, kind: kind.definition.name },
      ...what,
      requestedBy: principal.id,
      requestId: meta.requestId ?? null,
      idempotencyKey: meta.idempotencyKey ?? null,
      createdAt: this.now(),
      groups: analyticsGroupsOf(kind.definition, resource.spec),
    });
  }

  /**
   * Where the resource's outage toward the run's target began, read from its last finished run to
   * the same target: a failure continues (or starts) the outage, a cancel leaves it as it was.
   * Earlier runs have all ended (one active run per resource), so this cannot race them.
   */
  async failingSince(run: Run): Promise<string | null> {
    const [last] = (
      await this.options.store.listRuns({ resourceId: run.resourceId, target: runTargetLabel(run), limit: 1 })
    ).items;
    if (!last) return null;
    if (last.status === 'failed') return last.failingSince ?? last.finishedAt;
    if (last.status === 'cancelled') return last.failingSince ?? null;
    return null;
  }

  now(): string {
    return this.options.clock.now().toISOString();
  }
}
