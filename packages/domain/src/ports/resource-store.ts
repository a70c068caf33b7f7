import type { Page, Resource } from '../model/resource';

export interface ResourceQuery {
  kind: string;
  state?: string;
  /** Leaves out resources in these states (the service hides the kind's terminal states by default). */
  excludeStates?: readonly string[];
  /** Every label must match exactly. */
  labels?: Record<string, string>;
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface ResourcePatch {
  spec?: Record<string, unknown>;
  labels?: Record<string, string>;
}

/**
 * The resources aggregate: what a resource is and how it is found. Every method is atomic on its
 * own; the store contract suite checks each promise against every adapter. A resource's state
 * moves only with its runs' transitions (`RunStore.recordTransition`).
 */
export interface ResourceStore {
  /**
   * Inserts a new resource. Throws `SlipwayError('name_taken')` when another live resource of the
   * same kind has the name.
   */
  createResource(resource: Resource): Promise<void>;
  getResource(id: string): Promise<Resource | null>;
  /** Newest first. Throws `SlipwayError('invalid_cursor')` for a cursor it did not issue. */
  listResources(query: ResourceQuery): Promise<Page<Resource>>;
  /**
   * Applies a spec/labels patch if `resource.version === expectedVersion` (bumping the version),
   * else throws `SlipwayError('version_conflict')`. Returns the updated resource.
   */
  patchResource(id: string, expectedVersion: number, patch: ResourcePatch, at: string): Promise<Resource>;
}
