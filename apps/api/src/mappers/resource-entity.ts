import type { Resource } from '@slipway/domain';

/** The JSON face of a resource: the store's bookkeeping (seq) stays inside. */
export function toResourceEntity(resource: Resource) {
  const { seq: _seq, ...entity } = resource;
  return entity;
}
