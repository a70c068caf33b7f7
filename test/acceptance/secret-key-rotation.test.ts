import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunEntity, waitForRun } from './support/image-api';
import { SlipwayProcess, stopAllSlipways } from './support/slipway-process';

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
  it('takes the stored secrets from the old key to the new one without ever decrypting garbage', async () => {
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
