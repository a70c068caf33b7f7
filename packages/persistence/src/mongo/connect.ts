import { type Db, MongoClient } from 'mongodb';

export interface MongoConnectOptions {
  /** The `MONGO_URL` value. */
  url: string;
  /** Defaults to the database named in the URL's path, else `slipway`. */
  dbName?: string;
  /** How long to look for a usable server before giving up; 5 s unless a test wants less. */
  serverSelectionTimeoutMS?: number;
}

const DEFAULT_DATABASE = 'slipway';

/**
 * Connects and proves the server answers, or throws an error that names MONGO_URL so a bad
 * configuration is obvious at startup rather than at the first request.
 */
export async function connectMongo(options: MongoConnectOptions): Promise<{ client: MongoClient; db: Db }> {
  const timeout = options.serverSelectionTimeoutMS ?? 5000;
  let client: MongoClient;
  try {
    client = new MongoClient(options.url, {
      serverSelectionTimeoutMS: timeout,
      connectTimeoutMS: timeout,
      // An acknowledged change survives a failover. Reads stay at the primary's `local` level: a
      // majority read may not yet show this client's own acknowledged write, and a change appended
      // after one that a failover rolls back is rolled back with it, so it is never acknowledged.
      writeConcern: { w: 'majority', journal: true },
      appName: 'slipway',
    });
  } catch (error) {
    throw new Error(
      `MONGO_URL is not a usable MongoDB connection string (${describe(error)}); ` +
        'expected something like mongodb://127.0.0.1:27017/slipway.',
      { cause: error },
    );
  }
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new Error(
      `MONGO_URL: no MongoDB server answered at ${redactUrl(options.url)} within ${timeout} ms ` +
        `(${describe(error)}); check that the server runs and that MONGO_URL points at it.`,
      { cause: error },
    );
  }
  return { client, db: client.db(options.dbName ?? databaseNameFrom(options.url)) };
}

/** The database in the URL's path (`mongodb://host/name?...`), else the default. */
export function databaseNameFrom(url: string): string {
  const path = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(url)?.[1];
  return path ? decodeURIComponent(path) : DEFAULT_DATABASE;
}

/** Keeps credentials out of error messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)[^@/]*@/i, '$1***@');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
