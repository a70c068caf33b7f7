import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { killEverythingUnder } from '@slipway/ops/testing';
import type { LightMyRequestResponse } from 'fastify';
import { createSlipway, type Slipway } from '../src/compose';
import { loadConfig } from '../src/config';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const HELLO_APP = join(REPO_ROOT, 'examples/hello-app');
export const TEST_TOKEN = 'test-admin-token-0123456789';

export interface TestSlipway {
  slipway: Slipway;
  dataDir: string;
  request(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    options?: { body?: unknown; headers?: Record<string, string>; token?: string | null },
  ): Promise<LightMyRequestResponse>;
  /** Polls the run over the API until it ends. */
  waitForRun(runId: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A real Slipway (lmdb in a temp dir, inline executor, local provider) driven through `inject`. */
export async function startTestSlipway(
  env: Record<string, string> = {},
  options: { dataDir?: string } = {},
): Promise<TestSlipway> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'slipway-api-')));
  const config = loadConfig(
    {
      SLIPWAY_DATA_DIR: dataDir,
      SLIPWAY_ADMIN_TOKEN: TEST_TOKEN,
      SLIPWAY_IMAGE_SOURCE_ROOTS: join(REPO_ROOT, 'examples'),
      ...env,
    },
    REPO_ROOT,
  );
  const slipway = await createSlipway(config, { cwd: REPO_ROOT });
  const request: TestSlipway['request'] = (method, url, options = {}) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const token = options.token === undefined ? TEST_TOKEN : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    return slipway.app.inject({
      method,
      url,
      headers,
      ...(options.body === undefined ? {} : { payload: options.body as object }),
    });
  };
  return {
    slipway,
    dataDir,
    request,
    async waitForRun(runId) {
      for (let i = 0; i < 600; i += 1) {
        const run = (await request('GET', `/v1/runs/${runId}`)).json<Record<string, unknown>>();
        if (['succeeded', 'failed', 'cancelled'].includes(String(run.status))) return run;
        await new Promise((done) => setTimeout(done, 50));
      }
      throw new Error(`run ${runId} did not end within 30 s`);
    },
    async close() {
      await slipway.close();
      // Services' balancers and clusters' instances are detached: a test must not leave them behind.
      await killEverythingUnder(dataDir);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function helloImageSpec(overrides: Record<string, unknown> = {}) {
  return {
    source: HELLO_APP,
    build: 'npm run build',
    start: 'node server.js',
    version: '1.0.0',
    ...overrides,
  };
}
