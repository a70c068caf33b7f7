import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { bakeImage, createCluster, getCluster, moveCluster } from './support/cluster-api';
import { FERRETDB_BIN, ferretdbAvailable, OwnFerretDb } from './support/ferretdb';
import { type RunEntity, waitForRun } from './support/image-api';
import { OutputBuffer } from './support/output-buffer';
import { pollUntil } from './support/poll';
import { killProcessesWithin } from './support/process-table';
import { findForms, searchFiles, secretForms } from './support/secret-search';
import { type OwnRedis, ownRedis } from './support/services';
import {
  ACCEPTANCE_SECRET_KEY,
  type ApiResponse,
  type JsonObject,
  REPO_ROOT,
  SlipwayProcess,
  stopAllSlipways,
} from './support/slipway-process';

/**
 * The secret search on the production backends: the API on FerretDB (SQLite) and Redis of this
 * file's own, so the test knows their data directories, and a worker that launches the cluster.
 * Every response, both processes' output, every record, the instances' logs and the raw bytes of
 * SQLite's files and Redis's append-only file: no plaintext, base64, hex or URL-encoded form.
 */
const inCi = process.env.CI === 'true';
const redisLookup = await ownRedis();
const available = ferretdbAvailable() && redisLookup.found;
const MISSING = `needs FerretDB at ${FERRETDB_BIN} and redis-server (bash scripts/ci-services.sh)`;
if (!available && !inCi) process.stderr.write(`secret-production-backends.test.ts: skipped: ${MISSING}\n`);

const SECRET = 'prod Secret/with+plus & space 9a1';
let database: OwnFerretDb | null = null;
let redis: OwnRedis | null = null;
let worker: ChildProcess | null = null;
let dataDir = '';

afterAll(async () => {
  if (worker?.exitCode === null) worker.kill('SIGKILL');
  if (dataDir) await killProcessesWithin(dataDir);
  await stopAllSlipways();
  await database?.stop();
  await redis?.stop();
});

describe('a secret on MongoDB (FerretDB) and Redis with a worker', () => {
  it.runIf(!available && inCi)('has FerretDB and redis-server (required under CI=true)', () => {
    expect.fail(MISSING);
  });

  it.runIf(available)(
    'reaches only the instance: nowhere in responses, logs, records, SQLite files or the AOF',
    async () => {
      if (!redisLookup.found) return;
      database = await OwnFerretDb.start();
      redis = await redisLookup.start();
      const env = {
        MONGO_URL: database.url('slipway_secrets'),
        REDIS_URL: redis.url,
        SLIPWAY_SECRET_KEY: ACCEPTANCE_SECRET_KEY,
      };
      const server = await SlipwayProcess.start({ env });
      dataDir = server.dataDir;
      const responses: string[] = [];
      const api = server.api.bind(server);
      server.api = async <T = JsonObject>(
        method: string,
        path: string,
        body?: unknown,
        headers?: Record<string, string>,
      ) => {
        const response: ApiResponse<T> = await api<T>(method, path, body, headers);
        if (!/\/secret$/.test(path)) responses.push(`${method} ${path} → ${response.text}`);
        return response;
      };
      const workerOutput = new OutputBuffer();
      worker = spawn(process.execPath, ['--enable-source-maps', 'dist/worker-main.js'], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          ...env,
          SLIPWAY_DATA_DIR: dataDir,
          SLIPWAY_IMAGE_SOURCE_ROOTS: `${REPO_ROOT}/examples`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      worker.stdout?.setEncoding('utf8').on('data', (chunk: string) => workerOutput.append(chunk));
      worker.stderr?.setEncoding('utf8').on('data', (chunk: string) => workerOutput.append(chunk));
      await pollUntil('the worker to take jobs', async () =>
        /walking runs from the queue/.test(workerOutput.toString()) ? true : undefined,
      );

      const image = await bakeImage(server, 'hello', '1.0.0');
      // A value that is not secret is stored as it is: the raw-byte search must find this one.
      const marker = await server.api('POST', '/v1/settings', {
        name: 'marker',
        spec: { key: 'MARKER', value: 'plain-marker-4d1e' },
      });
      expect(marker.status, marker.text).toBe(201);
      const created = await server.api<{ id: string }>('POST', '/v1/settings', {
        name: 'db-password',
        spec: { key: 'DB_PASSWORD', secret: true, value: SECRET },
      });
      expect(created.status, created.text).toBe(201);
      const applied = await server.api<RunEntity>('POST', `/v1/settings/${created.body.id}/runs`, {
        target: 'active',
      });
      expect(await waitForRun(server, applied.body.id)).toMatchObject({ status: 'succeeded' });
      const cluster = await createCluster(server, 'db-client', { service: 'db-client', image, size: 1 });
      expect(await moveCluster(server, cluster.id, { target: 'ready' })).toMatchObject({
        status: 'succeeded',
      });
      const instance = (await getCluster(server, cluster.id)).observed?.instances?.[0];
      const answer = await fetch(`http://127.0.0.1:${instance?.port}/secret-hash?name=DB_PASSWORD`);
      const hash = (await answer.json()) as { sha256: string };
      expect(hash.sha256).toBe(createHash('sha256').update(SECRET).digest('hex'));
      const read = await server.api<{ value: string }>('GET', `/v1/settings/${created.body.id}/secret`);
      expect(read.body.value).toBe(SECRET);
      const transitions = await server.api<{ items: { runId: string }[] }>(
        'GET',
        '/v1/transitions?limit=200',
      );
      for (const runId of new Set(transitions.body.items.map((t) => t.runId)))
        await server.api('GET', `/v1/runs/${runId}`);

      // Redis writes its AOF out when it shuts down; a restart makes sure every write is on disk.
      await redis.restart();
      const forms = secretForms(SECRET);
      const sqlite = await searchFiles(database.dataDir, forms);
      const aof = await searchFiles(redis.dataDir ?? '', forms);
      const local = await searchFiles(dataDir, forms);
      expect(sqlite.files).toBeGreaterThan(0);
      expect(aof.files).toBeGreaterThan(0);
      const hits = [
        ...responses.flatMap((body, index) => findForms(`response ${index}`, body, forms)),
        ...findForms('server output', `${server.stdout}${server.stderr}`, forms),
        ...findForms('worker output', workerOutput.toString(), forms),
        ...sqlite.hits,
        ...aof.hits,
        ...local.hits,
      ];
      expect(hits).toEqual([]);
      // The search is real: it finds the plain value in SQLite's files and the secret in its read.
      expect((await searchFiles(database.dataDir, ['plain-marker-4d1e'])).hits).not.toEqual([]);
      expect(findForms('secret read', read.text, forms)).not.toEqual([]);
    },
    240_000,
  );
});
