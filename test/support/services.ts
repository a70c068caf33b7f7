import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Finds the real services a suite talks to: the URL in the environment when set; else a container
 * started with testcontainers when a Docker engine answers; else none, with the reason. A suite
 * without its service is skipped with that reason printed, except under CI=true, where it fails.
 */
export type ServiceLookup = { found: true; url: string; origin: string } | { found: false; reason: string };

const MONGO_IMAGE = 'mongo:7.0';

/** A MongoDB-protocol server: MONGO_URL, else a single-node `mongo` replica set in a container. */
export async function findMongo(): Promise<ServiceLookup> {
  const fromEnv = process.env.MONGO_URL;
  if (fromEnv) return { found: true, url: fromEnv, origin: 'MONGO_URL' };
  const engine = await dockerEngine();
  if (!engine.found) {
    return {
      found: false,
      reason: `MONGO_URL is not set and ${engine.reason}; set MONGO_URL (bash scripts/ci-services.sh starts FerretDB and prints it)`,
    };
  }
  // Loaded only here: testcontainers is large, and most runs get their services from the environment.
  const { MongoDBContainer } = await import('@testcontainers/mongodb');
  const container = await new MongoDBContainer(MONGO_IMAGE).start();
  afterAll(async () => {
    await container.stop();
  });
  // The replica set advertises the container's own host name; connect to the mapped port directly.
  return {
    found: true,
    url: `${container.getConnectionString()}/?directConnection=true`,
    origin: `testcontainers ${MONGO_IMAGE}`,
  };
}

async function dockerEngine(): Promise<{ found: true } | { found: false; reason: string }> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return { found: true };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { found: false, reason: `no Docker engine answers (${detail})` };
  }
}

/**
 * `describe` for a suite that needs a service. Without it: skipped with the reason on stderr, or,
 * under CI=true, one failing test carrying the reason so the run cannot pass by skipping.
 */
export function describeWithService(name: string, lookup: ServiceLookup, body: (url: string) => void): void {
  if (lookup.found) {
    describe(name, () => body(lookup.url));
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has its service (required under CI=true)', () => {
        expect.fail(lookup.reason);
      });
    });
    return;
  }
  process.stderr.write(`${name}: skipped: ${lookup.reason}\n`);
  describe.skip(name, () => body(''));
}

/**
 * A database name no other test file or run uses, so files can run in parallel against one
 * server. Kept short and plain: FerretDB's SQLite backend names a file after each database.
 */
export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}
