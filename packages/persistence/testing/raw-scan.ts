// The brute-force side of the analytics benchmark: every run and transition read straight from the
// store's own files or collections, one sequential pass each, with none of the audit listing's
// paging or index lookups in the way, so the comparison is with the fastest scan there is.
import type { Run, Transition } from '@slipway/domain';
import { MongoClient } from 'mongodb';
import { openDatabases } from '../src/embedded/lmdb-databases';
import { collectionsOf } from '../src/mongo/mongo-collections';
import { toRun } from '../src/mongo/run-mapper';
import { toTransition } from '../src/mongo/transition-mapper';

export interface RecordVisitor {
  run(run: Run): void;
  transition(transition: Transition): void;
}

/** Filters the store applies itself where it can (MongoDB); the visitor sees only matching records. */
export interface ScanFilter {
  kind: string;
}

/** Reads the lmdb environment at `path` (the store must be closed or in this process). */
export async function scanLmdbRecords(path: string, filter: ScanFilter, visit: RecordVisitor): Promise<void> {
  const dbs = openDatabases(path);
  try {
    for (const { value } of dbs.runs.getRange()) if (value.kind === filter.kind) visit.run(value);
    for (const { value } of dbs.transitions.getRange()) {
      if (value.kind === filter.kind) visit.transition(value);
    }
  } finally {
    await dbs.root.close();
  }
}

/** One query per collection, filtered by the server, in large batches. */
export async function scanMongoRecords(
  url: string,
  dbName: string,
  filter: ScanFilter,
  visit: RecordVisitor,
): Promise<void> {
  const client = await MongoClient.connect(url);
  try {
    const collections = collectionsOf(client.db(dbName));
    for await (const document of collections.runs.find({ kind: filter.kind }, { batchSize: 10_000 })) {
      visit.run(toRun(document));
    }
    for await (const document of collections.transitions.find({ kind: filter.kind }, { batchSize: 10_000 })) {
      visit.transition(toTransition(document));
    }
  } finally {
    await client.close();
  }
}
