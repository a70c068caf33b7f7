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
import type { Db, MongoClient } from 'mongodb';
import type { Static, TObject } from 'typebox';
import { connectMongo, type MongoConnectOptions } from './connect';
import { translateDriverError } from './driver-errors';
import * as idempotency from './idempotency-operations';
import * as installation from './installation-operations';
import { collectionsOf, type MongoCollections } from './mongo-collections';
import { ensureIndexes } from './mongo-indexes';
import { MongoKindCollections } from './mongo-kind-collections';
import { type ReconcileReport, reconcile } from './reconcile';
import * as resources from './resource-operations';
import { type CompactionReport, compactRollups } from './rollup-compactor';
import * as rollups from './rollup-reads';
import * as runListing from './run-listing';
import * as runs from './run-operations';
import * as transitions from './transition-operations';

export type MongoStoreOptions = MongoConnectOptions & {
  /**
   * How often this process tries to fold the rollup deltas into buckets (default 10 s; 0: never,
   * for tests that compact by hand). Any number of processes may: one wins each generation.
   */
  compactRollupsEveryMs?: number;
  /**
   * How long a folded rollup delta's mark is kept after its change left the log, against a replay
   * by a projector that stalled meanwhile (see rollup-marks.ts).
   * @defaultValue 3_600_000 (one hour)
   */
  foldedMarkHorizonMs?: number;
};

const COMPACT_EVERY_MS = 10_000;

/**
 * The MongoDB store, for a replica set with majority writes and for FerretDB v1 alike: no
 * transactions, no change streams, and no reliance on a conditional update being atomic. Every
 * write to a resource or its runs appends one entry to that resource's change log, keyed
 * `resourceId@pos`, so of two writers after the same head one gets a duplicate key; the documents
 * that listings read are projections of that log. See README.md beside this file for the write
 * order and why a crash anywhere in it is safe.
 */
export class MongoStore
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
  private compactor: NodeJS.Timeout | null = null;
  private markHorizonMs: number | undefined;
  private readonly kindCollections: MongoKindCollections;

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    private readonly collections: MongoCollections,
  ) {
    this.kindCollections = new MongoKindCollections(db, (operation) => this.call(operation));
  }

  collection<Doc extends TObject>(declaration: CollectionDeclaration<Doc>): KindCollection<Static<Doc>> {
    return this.kindCollections.collection(declaration);
  }

  /** Connects, pings, creates the indexes (a no-op when they exist) and runs the recovery sweep. */
  static async open(options: MongoStoreOptions): Promise<MongoStore> {
    const { client, db } = await connectMongo(options);
    const store = new MongoStore(client, db, collectionsOf(db));
    store.markHorizonMs = options.foldedMarkHorizonMs;
    try {
      await ensureIndexes(store.collections);
      await store.reconcile();
      const every = options.compactRollupsEveryMs ?? COMPACT_EVERY_MS;
      if (every > 0) {
        // A failed round (the server away) is simply tried again at the next tick.
        store.compactor = setInterval(() => void store.compactRollups().catch(() => undefined), every);
        store.compactor.unref();
      }
      return store;
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
  }

  /** Brings every projection up to the committed changes; `open` runs it, and it is safe to run any time. */
  async reconcile(): Promise<ReconcileReport> {
    return this.call(() => reconcile(this.collections));
  }

  async createResource(resource: Resource): Promise<void> {
    await this.call(() => resources.createResource(this.collections, resource));
  }

  async getResource(id: string): Promise<Resource | null> {
    return this.call(() => resources.getResource(this.collections, id));
  }

  async listResources(query: ResourceQuery): Promise<Page<Resource>> {
    return this.call(() => resources.listResources(this.collections, query));
  }

  async patchResource(
    id: string,
    expectedVersion: number,
    patch: ResourcePatch,
    at: string,
  ): Promise<Resource> {
    const copy = structuredClone(patch);
    return this.call(() => resources.patchResource(this.collections, id, expectedVersion, copy, at));
  }

  async startRun(run: Run): Promise<void> {
    const copy = structuredClone(run);
    await this.call(() => runs.startRun(this.collections, copy));
  }

  async getRun(id: string): Promise<Run | null> {
    return this.call(() => runs.getRun(this.collections, id));
  }

  async updateRun(id: string, from: readonly RunStatus[], changes: RunChanges): Promise<Run | null> {
    const copy = structuredClone(changes);
    const statuses = [...from];
    return this.call(() => runs.updateRun(this.collections, id, statuses, copy));
  }

  async finishRun(id: string, from: readonly RunStatus[], end: RunEnd): Promise<Run | null> {
    const copy = structuredClone(end);
    const statuses = [...from];
    return this.call(() => runs.finishRun(this.collections, id, statuses, copy));
  }

  async listUnfinishedRuns(): Promise<Run[]> {
    return this.call(() => runs.listUnfinishedRuns(this.collections));
  }

  async recordTransition(write: TransitionWrite): Promise<Resource> {
    return this.call(() => transitions.recordTransition(this.collections, write));
  }

  async listTransitions(query: TransitionQuery): Promise<Page<Transition>> {
    return this.call(() => transitions.listTransitions(this.collections, query));
  }

  async listRuns(query: RunQuery): Promise<Page<Run>> {
    return this.call(() => runListing.listRuns(this.collections, query));
  }

  async listRollupBuckets(query: RollupQuery): Promise<RollupBucket[]> {
    return this.call(() => rollups.listRollupBuckets(this.collections, query));
  }

  /** Folds pending rollup deltas into a new bucket generation; safe next to other compactors. */
  async compactRollups(): Promise<CompactionReport> {
    return this.call(() =>
      compactRollups(this.collections, {
        ...(this.markHorizonMs === undefined ? {} : { markHorizonMs: this.markHorizonMs }),
      }),
    );
  }

  async reserveIdempotency(
    key: string,
    fingerprint: string,
    lease: IdempotencyLease,
    now: string,
  ): Promise<IdempotencyReservation> {
    const copy = structuredClone(lease);
    return this.call(() => idempotency.reserveIdempotency(this.collections, key, fingerprint, copy, now));
  }

  async completeIdempotency(key: string, claimId: string, record: IdempotencyRecord): Promise<void> {
    const copy = structuredClone(record);
    await this.call(() => idempotency.completeIdempotency(this.collections, key, claimId, copy));
  }

  async releaseIdempotency(key: string, claimId: string): Promise<void> {
    await this.call(() => idempotency.releaseIdempotency(this.collections, key, claimId));
  }

  async idempotencyOwners(): Promise<string[]> {
    return this.call(() => idempotency.idempotencyOwners(this.collections));
  }

  async releaseIdempotencyOwnedBy(owner: string): Promise<number> {
    return this.call(() => idempotency.releaseIdempotencyOwnedBy(this.collections, owner));
  }

  async purgeIdempotency(now: string): Promise<number> {
    return this.call(() => idempotency.purgeIdempotency(this.collections, now));
  }

  async getInstallationValue(key: string): Promise<string | null> {
    return this.call(() => installation.getInstallationValue(this.collections, key));
  }

  async setInstallationValueIfAbsent(key: string, value: string): Promise<string> {
    return this.call(() => installation.setInstallationValueIfAbsent(this.collections, key, value));
  }

  async ping(): Promise<void> {
    await this.call(() => this.db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.compactor) clearInterval(this.compactor);
    await this.client.close();
  }

  /** Every call answers `service_unavailable` while the server cannot be reached, and after close. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) throw new SlipwayError('service_unavailable', 'The MongoDB store is closed.');
    try {
      return await operation();
    } catch (error) {
      throw translateDriverError(error);
    }
  }
}
