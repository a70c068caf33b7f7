import { Value } from 'typebox/value';
import type { GuardActions } from '../engine/guards';
import { planPath } from '../engine/plan-path';
import { endsLife } from '../engine/references';
import { SlipwayError } from '../errors/slipway-error';
import { withArticle } from '../kinds/article';
import type { RegisteredKind } from '../kinds/kind-registry';
import type { Principal } from '../model/principal';
import type { Resource } from '../model/resource';
import { ReferenceGuard, referencesIn } from './reference-guard';
import type { ServiceContext } from './service-context';

export interface CreateResourceInput {
  name: string;
  spec: Record<string, unknown>;
  labels?: Record<string, string>;
}

export interface PatchResourceInput {
  spec?: Record<string, unknown>;
  labels?: Record<string, string>;
}

/**
 * Creating and changing resources: the spec against its kind's schema and provider, the
 * references it makes checked before and confirmed after the write, and taken back when a
 * destroy of what they name won the race.
 */
export class ResourceWrites {
  private readonly references: ReferenceGuard;

  constructor(
    private readonly context: ServiceContext,
    private readonly guardActions: GuardActions,
  ) {
    this.references = new ReferenceGuard(context.options.store, context.options.kinds);
  }

  async create(kindName: string, input: CreateResourceInput, principal: Principal): Promise<Resource> {
    const kind = this.context.kind(kindName, principal, 'write');
    this.validateSpec(kind, input.spec);
    await this.references.check(kind, input.spec);
    input = { ...input, spec: await this.guardSpec(kind, input.spec, null, principal) };
    const id = this.context.options.newId();
    const spec = await this.storeSpec(kind, id, input.spec, null, principal);
    const now = this.context.now();
    const resource: Resource = {
      id,
      kind: kind.definition.name,
      name: input.name,
      state: kind.graph.initial,
      version: 1,
      seq: 0,
      spec,
      status: {},
      labels: input.labels ?? {},
      activeRunId: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.settled(kind, { id, spec, previous: null }, () =>
      this.context.options.store.createResource(resource),
    );
    const refused = await this.references.confirm(kind, input.spec);
    if (refused) {
      const withdrawnBy = await this.withdraw(kind, resource.id, principal, refused.message);
      // Say what happened to the resource written meanwhile, also when it could not be withdrawn.
      const fate = withdrawnBy
        ? `is withdrawn (run ${withdrawnBy})`
        : 'could not be withdrawn (a run of its own is active, or no path leads it to a terminal state); destroy it yourself';
      throw new SlipwayError(
        refused.code,
        `${refused.message} The ${kind.definition.name} ${resource.id} written meanwhile ${fate}.`,
        { ...refused.details, withdrawn: withdrawnBy ? resource.id : null, withdrawnBy },
      );
    }
    await this.afterWrite(kind, resource, null, principal);
    return resource;
  }

  async patch(
    kindName: string,
    id: string,
    input: PatchResourceInput,
    expectedVersion: number | null,
    principal: Principal,
  ): Promise<Resource> {
    const kind = this.context.kind(kindName, principal, 'write');
    const resource = await this.context.load(kind, id);
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
      const spec = await this.guardSpec(kind, input.spec, resource, principal);
      input = { ...input, spec };
    }
    const stored = input.spec
      ? { ...input, spec: await this.storeSpec(kind, id, input.spec, resource, principal) }
      : input;
    try {
      const write = () =>
        this.context.options.store.patchResource(id, resource.version, stored, this.context.now());
      const patched = stored.spec
        ? await this.settled(kind, { id, spec: stored.spec, previous: resource }, write)
        : await write();
      const refused = input.spec ? await this.references.confirm(kind, input.spec) : null;
      if (refused) {
        const undone = await this.revertReferences(kind, patched, resource.spec);
        throw new SlipwayError(
          refused.code,
          undone
            ? `${refused.message} The patch was undone.`
            : `${refused.message} The patch could not be undone: the resource kept changing meanwhile; GET it and put its references right.`,
          { ...refused.details, undone },
        );
      }
      if (input.spec) await this.afterWrite(kind, patched, resource, principal);
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
    const resource = await this.context.options.store.getResource(id);
    if (!resource || resource.activeRunId) return null;
    const target = Object.keys(kind.definition.targets).find(
      (name) => endsLife(kind, name) && planPath(kind.graph, resource.state, name),
    );
    if (!target) return null;
    const run = this.context.newRun(
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
      await this.context.options.store.startRun(run);
    } catch (error) {
      if (error instanceof SlipwayError) return null;
      throw error;
    }
    await this.context.options.executor.submit(run.id);
    return run.id;
  }

  /**
   * Puts back the reference fields a refused patch changed, unless someone changed them since.
   * False when the resource kept changing under every attempt, so nothing was put back.
   */
  private async revertReferences(
    kind: RegisteredKind,
    patched: Resource,
    previous: Record<string, unknown>,
  ): Promise<boolean> {
    let current = patched;
    for (let attempt = 0; attempt < 5; attempt++) {
      const spec = { ...current.spec };
      for (const [reference] of referencesIn(kind, patched.spec)) {
        if (spec[reference.field] === patched.spec[reference.field])
          spec[reference.field] = previous[reference.field];
      }
      try {
        await this.context.options.store.patchResource(
          current.id,
          current.version,
          { spec },
          this.context.now(),
        );
        return true;
      } catch (error) {
        if (!(error instanceof SlipwayError) || error.code !== 'version_conflict') throw error;
        const fresh = await this.context.options.store.getResource(current.id);
        if (!fresh) return true; // gone: it references nothing any more
        current = fresh;
      }
    }
    return false;
  }

  private async storeSpec(
    kind: RegisteredKind,
    id: string,
    spec: Record<string, unknown>,
    previous: Resource | null,
    principal: Principal,
  ): Promise<Record<string, unknown>> {
    const provider = this.context.options.providers.get(kind.definition.name);
    return provider?.storeSpec ? provider.storeSpec({ id, spec, previous, actor: principal.id }) : spec;
  }

  /**
   * Runs the resource write that a stored spec was prepared for, and tells the provider whether
   * it was accepted, so what storeSpec wrote aside never outlives a refused write.
   */
  private async settled<T>(
    kind: RegisteredKind,
    stored: { id: string; spec: Record<string, unknown>; previous: Resource | null },
    write: () => Promise<T>,
  ): Promise<T> {
    const provider = this.context.options.providers.get(kind.definition.name);
    const settle = async (accepted: boolean) => {
      // The answer is the resource write's: what storeSpec wrote stays invisible until settled.
      await provider?.settleSpec?.({ ...stored, accepted }).catch(() => undefined);
    };
    let result: T;
    try {
      result = await write();
    } catch (error) {
      await settle(false);
      throw error;
    }
    await settle(true);
    return result;
  }

  /** Other kinds' rules on this kind's specs, in registration order; each may normalize the spec. */
  private async guardSpec(
    kind: RegisteredKind,
    spec: Record<string, unknown>,
    resource: Resource | null,
    principal: Principal,
  ): Promise<Record<string, unknown>> {
    let current = spec;
    for (const guard of this.context.options.specGuards ?? []) {
      if (guard.kind !== kind.definition.name) continue;
      current =
        (await guard.check({ spec: current, resource, principal, actions: this.guardActions })) ?? current;
    }
    return current;
  }

  /** What other kinds' guards do once this kind's write is stored, in registration order. */
  private async afterWrite(
    kind: RegisteredKind,
    resource: Resource,
    previous: Resource | null,
    principal: Principal,
  ): Promise<void> {
    for (const guard of this.context.options.specGuards ?? []) {
      if (guard.kind !== kind.definition.name || !guard.afterWrite) continue;
      await guard.afterWrite({ resource, previous, principal, actions: this.guardActions });
    }
  }

  private validateSpec(kind: RegisteredKind, spec: Record<string, unknown>): void {
    const schemaErrors = [...Value.Errors(kind.definition.spec, spec)].map(
      (error) => `spec${error.instancePath.replaceAll('/', '.')}: ${error.message}`,
    );
    const provider = this.context.options.providers.get(kind.definition.name);
    const problems = schemaErrors.length > 0 ? schemaErrors : (provider?.validateSpec?.(spec) ?? []);
    if (problems.length > 0) {
      throw new SlipwayError('invalid_spec', problems.join('; '), { problems });
    }
  }
}
