import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunEntity, waitForRun } from './support/image-api';
import { OutputBuffer } from './support/output-buffer';
import { pollUntil } from './support/poll';
import {
  describeWithService,
  findMongo,
  mongoWithOwnRedis,
  type OwnRedis,
  ownRedis,
  uniqueDatabaseName,
} from './support/services';
import { REPO_ROOT, SlipwayProcess, stopAllSlipways } from './support/slipway-process';

/**
 * A key rotation on real processes sharing one data directory: the process with the old key
 * writes a secret; one with only the new key refuses to start, naming the variable; one with the
 * new key and the old as SLIPWAY_SECRET_KEY_PREVIOUS reads it and re-encrypts; after that the new
 * key alone is enough, and the old key alone is refused.
 */
const OLD = randomBytes(32).toString('base64');
const NEW = randomBytes(32).toString('base64');
const SECRET = 'rotate-me please/42';
let dataDir: string;

afterAll(async () => {
  await stopAllSlipways();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const start = (env: Record<string, string>) => SlipwayProcess.start({ dataDir, env });

async function readSecret(server: SlipwayProcess, id: string): Promise<string> {
  const read = await server.api<{ value: string }>('GET', `/v1/settings/${id}/secret`);
  expect(read.status, read.text).toBe(200);
  return read.body.value;
}

describe('rotating SLIPWAY_SECRET_KEY', () => {
  it('takes the stored secrets from the old key to the new one without ever decrypting garbage', {
    timeout: 120_000,
  }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-rotation-'));
    const first = await start({ SLIPWAY_SECRET_KEY: OLD });
    const created = await first.api<{ id: string }>('POST', '/v1/settings', {
      name: 'token',
      spec: { key: 'API_KEY', secret: true, value: SECRET },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    const run = await first.api<RunEntity>('POST', `/v1/settings/${id}/runs`, { target: 'active' });
    expect(await waitForRun(first, run.body.id)).toMatchObject({ status: 'succeeded' });
    expect(await readSecret(first, id)).toBe(SECRET);
    await first.kill();

    // The wrong key: a startup error naming the variable, before anything is served.
    await expect(start({ SLIPWAY_SECRET_KEY: NEW })).rejects.toThrow(
      /bad configuration: SLIPWAY_SECRET_KEY: does not decrypt 1 stored secret\(s\) \(setting \w+ version 1: .*neither SLIPWAY_SECRET_KEY/,
    );

    const rotating = await start({ SLIPWAY_SECRET_KEY: NEW, SLIPWAY_SECRET_KEY_PREVIOUS: OLD });
    expect(await readSecret(rotating, id)).toBe(SECRET);
    const reencrypted = await rotating.api<{ runs: string[]; failed: string[] }>(
      'POST',
      '/v1/settings/secrets/reencrypt',
    );
    expect(reencrypted.status, reencrypted.text).toBe(200);
    expect(reencrypted.body).toMatchObject({ runs: [expect.any(String)], failed: [] });
    const trail = await rotating.api<{ items: { event: string; outputs: Record<string, unknown> }[] }>(
      'GET',
      `/v1/transitions?resourceId=${id}`,
    );
    expect(trail.body.items.find((t) => t.event === 'REENCRYPT')?.outputs).toEqual({
      reencrypted: 1,
      current: 0,
    });
    await rotating.kill();

    const rotated = await start({ SLIPWAY_SECRET_KEY: NEW });
    expect(await readSecret(rotated, id)).toBe(SECRET);
    await rotated.kill();
    await expect(start({ SLIPWAY_SECRET_KEY: OLD })).rejects.toThrow(
      /SLIPWAY_SECRET_KEY: does not decrypt 1 stored secret/,
    );
  });
});

const mongo = await findMongo();
const redisLookup = await ownRedis();
const workers: ChildProcess[] = [];
let redis: OwnRedis | null = null;

afterAll(async () => {
  for (const worker of workers)
    if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await redis?.stop();
});

interface Worker {
  child: ChildProcess;
  output: OutputBuffer;
}

/** A BullMQ worker process (dist/worker-main.js) beside the API, with these keys. */
function startWorker(env: Record<string, string>): Worker {
  const output = new OutputBuffer();
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/worker-main.js'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(child);
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => output.append(chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => output.append(chunk));
  return { child, output };
}

async function taking(worker: Worker): Promise<void> {
  await pollUntil('the worker to take jobs', async () => {
    if (worker.child.exitCode !== null) throw new Error(`the worker exited: ${worker.output.toString()}`);
    return /walking runs from the queue/.test(worker.output.toString()) ? true : undefined;
  });
}

async function stopWorker(worker: Worker): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const exited = once(worker.child, 'exit');
  worker.child.kill('SIGTERM');
  await exited;
}

describeWithService(
  'rotating on MongoDB with a BullMQ worker',
  mongoWithOwnRedis(mongo, redisLookup),
  (url) => {
    it('API and worker run together through the rotation: the worker refuses the new key alone and the old one after, both read under new+previous while the re-encryption runs on the worker, then the new key alone', {
      timeout: 240_000,
    }, async () => {
      if (!redisLookup.found) return;
      redis = await redisLookup.start();
      const database = new URL(url);
      database.pathname = `/${uniqueDatabaseName('slipway_rotation')}`;
      const backends = { MONGO_URL: database.toString(), REDIS_URL: redis.url };
      const both = async (keys: Record<string, string>) => {
        const api = await SlipwayProcess.start({ env: { ...backends, ...keys } });
        const worker = startWorker({
          ...backends,
          ...keys,
          SLIPWAY_DATA_DIR: api.dataDir,
          SLIPWAY_IMAGE_SOURCE_ROOTS: `${REPO_ROOT}/examples`,
        });
        await taking(worker);
        return { api, worker };
      };
      const stop = async (pair: { api: SlipwayProcess; worker: Worker }) => {
        await stopWorker(pair.worker);
        await pair.api.kill();
      };

      const first = await both({ SLIPWAY_SECRET_KEY: OLD });
      const created = await first.api.api<{ id: string }>('POST', '/v1/settings', {
        name: 'token',
        spec: { key: 'API_KEY', secret: true, value: SECRET },
      });
      expect(created.status, created.text).toBe(201);
      const id = created.body.id;
      // The worker walks the run: its apply opens the secret under the old key.
      const applied = await first.api.api<RunEntity>('POST', `/v1/settings/${id}/runs`, { target: 'active' });
      expect(await waitForRun(first.api, applied.body.id)).toMatchObject({ status: 'succeeded' });
      expect(await readSecret(first.api, id)).toBe(SECRET);
      const dataDir = first.api.dataDir;
      await stop(first);

      // A worker with the new key alone refuses to start, naming the variable.
      const refused = startWorker({ ...backends, SLIPWAY_SECRET_KEY: NEW, SLIPWAY_DATA_DIR: dataDir });
      const [code] = (await once(refused.child, 'exit')) as [number | null];
      expect(code).not.toBe(0);
      expect(refused.output.toString()).toMatch(/SLIPWAY_SECRET_KEY: does not decrypt 1 stored secret/);

      const rotating = await both({ SLIPWAY_SECRET_KEY: NEW, SLIPWAY_SECRET_KEY_PREVIOUS: OLD });
      const [reencrypted, read] = await Promise.all([
        rotating.api.api<{ runs: string[]; failed: unknown[] }>('POST', '/v1/settings/secrets/reencrypt'),
        // A read while the re-encryption runs: the value, or a 409 while the other run holds the setting.
        rotating.api.api<{ value: string }>('GET', `/v1/settings/${id}/secret`),
      ]);
      expect(reencrypted.status, reencrypted.text).toBe(200);
      expect(reencrypted.body.failed, reencrypted.text).toEqual([]);
      expect([200, 409], read.text).toContain(read.status);
      if (read.status === 200) expect(read.body.value).toBe(SECRET);
      expect(await readSecret(rotating.api, id)).toBe(SECRET);
      await stop(rotating);

      const rotated = await both({ SLIPWAY_SECRET_KEY: NEW });
      expect(await readSecret(rotated.api, id)).toBe(SECRET);
      const again = await rotated.api.api<RunEntity>('POST', `/v1/settings/${id}/runs`, { target: 'active' });
      expect(await waitForRun(rotated.api, again.body.id)).toMatchObject({ status: 'succeeded' });
      await stop(rotated);
      const old = startWorker({ ...backends, SLIPWAY_SECRET_KEY: OLD, SLIPWAY_DATA_DIR: dataDir });
      await once(old.child, 'exit');
      expect(old.output.toString()).toMatch(/SLIPWAY_SECRET_KEY: does not decrypt 1 stored secret/);
    });
  },
);
