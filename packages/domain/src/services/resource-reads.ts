import { exclusiveGroup, exclusiveHolders } from '../engine/exclusive-holders';
import type { Principal } from '../model/principal';
import type { Page, Resource } from '../model/resource';
import type { ResourceQuery } from '../ports/resource-store';
import type { ServiceContext } from './service-context';

/** Reading resources: as stored, and what is observed of them now. */
export class ResourceReads {
  constructor(private readonly context: ServiceContext) {}

  async get(kindName: string, id: string, principal: Principal): Promise<Resource> {
    const kind = this.context.kind(kindName, principal, 'read');
    return this.context.load(kind, id);
  }

  /**
   * What is observed now, beside the stored representation: the provider's live view, and for a
   * kind with an exclusive state, which resource of the group holds it (a service's live cluster).
   * Null when the kind has neither.
   */
  async observe(kindName: string, resource: Resource): Promise<Record<string, unknown> | null> {
    const kind = this.context.options.kinds.get(kindName);
    const provider = this.context.options.providers.get(kind.definition.name);
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
          : (await exclusiveHolders(this.context.options.store, kind, resource))[0];
      observed[exclusive.groupField] = { name: group, [exclusive.state]: holder?.id ?? null };
    }
    return observed;
  }

  /**
   * A destroyed resource is only an audit record: it is left out unless asked for by its state or
   * with `includeDestroyed`.
   */
  async list(
    kindName: string,
    query: Omit<ResourceQuery, 'kind' | 'excludeStates'> & { includeDestroyed?: boolean },
    principal: Principal,
  ): Promise<Page<Resource>> {
    const kind = this.context.kind(kindName, principal, 'read');
    const { includeDestroyed, ...rest } = query;
    const hidden = query.state === undefined && includeDestroyed !== true ? [...kind.terminalStates] : [];
    return this.context.options.store.listResources({
      ...rest,
      kind: kind.definition.name,
      ...(hidden.length > 0 ? { excludeStates: hidden } : {}),
    });
  }
}
