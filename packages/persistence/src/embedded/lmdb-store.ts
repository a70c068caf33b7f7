import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AnalyticsStore,
  type CollectionDeclaration,
  type IdempotencyLease,
  type IdempotencyRecord,
  type IdempotencyReservation,
  type IdempotencyStore,
  type InstallationStore,
  type KindCollection,
  type KindCollections,
  type Page,
  type Resource,
  type ResourcePatch,
  type ResourceQuery,
  type ResourceStore,
  type RollupBucket,
  type RollupQuery,
  type Run,
  type RunChanges,
  type RunEnd,
  type RunQuery,
  type RunStatus,
  type RunStore,
  SlipwayError,
  type StoreConnection,
  type Transition,
  type TransitionQuery,
  type TransitionWrite,
} from '@slipway/domain';
import type { Static, TObject } from 'typebox';
import { withRunDefaults } from '../query/audit-defaults';
import * as idempotency from './idempotency-operations';
import { type LmdbDatabases, openDatabases, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './lmdb-databases';
import { LmdbKindCollections } from './lmdb-kind-collections';
import * as resources from './resource-operations';
import * as rollups from './rollup-operations';
import * as runs from './run-operations';
import * as transitions from './transition-operations';

export interface LmdbStoreOptions {
  /** Directory of the lmdb environment; created when missing, kept 0700 with its files 0600. */
  path: string;
}

/**
 * The embedded store. Each write is one lmdb child transaction: its reads see every write committed
 * before it, writes of one process and of other processes on the same files are serialized by
 * lmdb's write lock, and a refusal (a thrown error) rolls back whatever the callback had written.
 * Inputs are cloned when a call is made, because the transaction runs a little later and the
 * caller may reuse its objects meanwhile.
 */
export class LmdbStore
  implements
    ResourceStore,
    RunStore,
    AnalyticsStore,
    IdempotencyStore,
    InstallationStore,
    KindCollections,
    StoreConnection
{
  private closed = false;
  private readonly kindCollections: LmdbKindCollections;

  private constructor(private readonly dbs: LmdbDatabases) {
    this.kindCollections = new LmdbKindCollections(dbs);
  }

  collection<Doc extends TObject>(declaration: CollectionDeclaration<Doc>): KindCollection<Static<Doc>> {
    return this.kindCollections.collection(declaration);
  }

  static async open(options: LmdbStoreOptions): Promise<LmdbStore> {
    await mkdir(options.path, { recursive: true, mode: PRIVATE_DIR_MODE });
    // Modes at creation do not reach a directory or files an older version left readable.
    await chmod(options.path, PRIVATE_DIR_MODE);
    const dbs = openDatabases(options.path);
    await Promise.all(
      ['data.mdb', 'lock.mdb'].map((name) => chmod(join(options.path, name), PRIVATE_FILE_MODE)),
    );
    const store = new LmdbStore(dbs);
    if (dbs.runsByTime.getKeysCount({ limit: 1 }) === 0 && dbs.runs.getKeysCount({ limit: 1 }) > 0) {
      await store.write(() => runs.indexRunsByTime(dbs));
    }
    return store;
  }

  async createResource(resource: Resource): Promise<void> {
    const copy = structuredClone(resource);
    await this.write(() => resources.insertResource(this.dbs, copy));
  }

  async getResource(id: string): Promise<Resource | null> {
    return this.dbs.resources.get(id) ?? null;
  }

  async listResources(query: ResourceQuery): Promise<Page<Resource>> {
    return resources.listResources(this.dbs, query);
  }

  async patchResource(
    id: string,
    expectedVersion: number,
    patch: ResourcePatch,
    at: string,
  ): Promise<Resource> {
    const copy = structuredClone(patch);
    return this.write(() => resources.patchResource(this.dbs, id, expectedVersion, copy, at));
  }

  async startRun(run: Run): Promise<void> {
    const copy = structuredClone(run);
    await this.write(() => runs.startRun(this.dbs, copy));
  }

  async getRun(id: string): Promise<Run | null> {
    const run = this.dbs.runs.get(id);
    return run ? withRunDefaults(run) : null;
  }

  async listRuns(query: RunQuery): Promise<Page<Run>> {
    return runs.listRuns(this.dbs, query);
  }

  async listRollupBuckets(query: RollupQuery): Promise<RollupBucket[]> {
    return rollups.listRollupBuckets(this.dbs, query);
  }

  async updateRun(id: string, from: readonly RunStatus[], changes: RunChanges): Promise<Run | null> {
    const copy = structuredClone(changes);
    const statuses = [...from];
    return this.write(() => runs.updateRun(this.dbs, id, statuses, copy));
  }

  async finishRun(id: string, from: readonly RunStatus[], end: RunEnd): Promise<Run | null> {
    const copy = structuredClone(end);
    const statuses = [...from];
    return this.write(() => runs.finishRun(this.dbs, id, statuses, copy));
  }

  async listUnfinishedRuns(): Promise<Run[]> {
    return runs.listUnfinishedRuns(this.dbs);
  }

  async recordTransition(write: TransitionWrite): Promise<Resource> {
    const copy = structuredClone(write);
    return this.write(() => transitions.recordTransition(this.dbs, copy));
  }

  async listTransitions(query: TransitionQuery): Promise<Page<Transition>> {
    return transitions.listTransitions(this.dbs, query);
  }

  async reserveIdempotency(
    key: string,
    fingerprint: string,
    lease: IdempotencyLease,
    now: string,
  ): Promise<IdempotencyReservation> {
    const copy = structuredClone(lease);
    return this.write(() => idempotency.reserveIdempotency(this.dbs, key, fingerprint, copy, now));
  }

  async completeIdempotency(key: string, claimId: string, record: IdempotencyRecord): Promise<void> {
    const copy = structuredClone(record);
    await this.write(() => idempotency.completeIdempotency(this.dbs, key, claimId, copy));
  }

  async releaseIdempotency(key: string, claimId: string): Promise<void> {
    await this.write(() => idempotency.releaseIdempotency(this.dbs, key, claimId));
  }

  async idempotencyOwners(): Promise<string[]> {
    return idempotency.idempotencyOwners(this.dbs);
  }

  async releaseIdempotencyOwnedBy(owner: string): Promise<number> {
    return this.write(() => idempotency.releaseIdempotencyOwnedBy(this.dbs, owner));
  }

  async purgeIdempotency(now: string): Promise<number> {
    return this.write(() => idempotency.purgeIdempotency(this.dbs, now));
  }

  async getInstallationValue(key: string): Promise<string | null> {
    return this.dbs.installation.get(key) ?? null;
  }

  async setInstallationValueIfAbsent(key: string, value: string): Promise<string> {
    return this.write(() => {
      const existing = this.dbs.installation.get(key);
      if (existing !== undefined) return existing;
      this.dbs.installation.put(key, value);
      return value;
    });
  }

  async ping(): Promise<void> {
    if (this.closed) throw new SlipwayError('service_unavailable', 'The embedded store is closed.');
    this.dbs.root.getStats();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.dbs.root.flushed;
    await this.dbs.root.close();
  }

  private write<T>(action: () => T): Promise<T> {
    // A child transaction, unlike `transaction`, is rolled back when the action throws.
    return this.dbs.root.childTransaction(action);
  }
}
