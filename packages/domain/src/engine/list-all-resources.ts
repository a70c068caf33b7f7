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
