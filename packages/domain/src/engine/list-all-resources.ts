import type { AnyKindDefinition, SpecOf } from '../kinds/kind-definition';
import type { Resource } from '../model/resource';
import type { ResourceQuery, ResourceStore } from '../ports/resource-store';

/** Every resource matching `query`, following the store's pages to the end. */
export async function listAllResources(
  store: ResourceStore,
  query: Omit<ResourceQuery, 'limit' | 'cursor'>,
): Promise<Resource[]> {
  const all: Resource[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listResources({ ...query, limit: 100, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/**
 * Every resource of `kind` matching `query`, typed with the kind's spec. Sound because the store
 * holds only resources whose spec passed their kind's schema at create and patch.
 */
export async function listAllOfKind<K extends AnyKindDefinition>(
  store: ResourceStore,
  kind: K,
  query: Omit<ResourceQuery, 'kind' | 'limit' | 'cursor'> = {},
): Promise<Resource<SpecOf<K>>[]> {
  return (await listAllResources(store, { ...query, kind: kind.name })) as Resource<SpecOf<K>>[];
}
