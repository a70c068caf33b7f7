import type { Static, TObject } from 'typebox';
import type { Page } from '../model/resource';

/**
 * A collection a kind owns beside its resources (a setting's versions), declared by its module.
 * It is its own port, apart from the resource and run stores: a kind's documents never take part
 * in the resource/transition commit, so no store adapter has to widen its transactions for them.
 */
export interface CollectionDeclaration<Doc extends TObject = TObject> {
  /** `<kind>.<name>` (`setting.versions`): unique per installation; adapters name storage after it. */
  name: string;
  /** What each document holds: adapters refuse a write that does not match it. */
  document: Doc;
}

export interface CollectionEntry<Doc> {
  key: string;
  /** 1 on insert, +1 on each replace: the optimistic-concurrency check of `replace`. */
  version: number;
  doc: Doc;
}

/**
 * The contract every adapter keeps for a kind-owned collection (each promise becomes a case of
 * its contract suite, as the store's have): keys are unique; `insert` of a taken key is refused
 * with `version_conflict`; `replace` applies only at the given version and is refused with
 * `version_conflict` otherwise; `list` returns keys in ascending order, filtered by prefix, paged
 * by an opaque cursor that stays valid across writes; a document that does not match the
 * declaration is refused with `invalid_spec`; every write is durable once the promise resolves.
 */
export interface KindCollection<Doc> {
  insert(key: string, doc: Doc): Promise<CollectionEntry<Doc>>;
  get(key: string): Promise<CollectionEntry<Doc> | null>;
  replace(key: string, expectedVersion: number, doc: Doc): Promise<CollectionEntry<Doc>>;
  list(query: { prefix?: string; limit: number; cursor?: string }): Promise<Page<CollectionEntry<Doc>>>;
}

/** What a store adapter offers kind modules: the collections they declared, opened at start. */
export interface KindCollections {
  collection<Doc extends TObject>(declaration: CollectionDeclaration<Doc>): KindCollection<Static<Doc>>;
}
