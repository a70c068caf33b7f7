import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSlipway, KIND_MODULES, loadConfig, type Slipway } from '@slipway/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noteModule } from './support/note-module';

// The new-kind checklist of docs/architecture.md, proved: a kind added in a test-only module
// through the same registration path as image and cluster, then driven over HTTP end to end.

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const TOKEN = 'test-admin-token-0123456789';

let dataDir: string;
let slipway: Slipway;

async function api(method: 'GET' | 'POST', url: string, body?: object, token: string | null = TOKEN) {
  const response = await slipway.app.inject({
    method,
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(body ? { payload: body } : {}),
  });
  return { status: response.statusCode, body: response.json() };
}

async function finished(runId: string): Promise<Record<string, unknown>> {
  for (;;) {
    const { body } = await api('GET', `/v1/runs/${runId}`);
    if (['succeeded', 'failed', 'cancelled'].includes(body.status)) return body;
    await new Promise((done) => setTimeout(done, 20));
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-new-kind-'));
  const config = loadConfig(
    {
      SLIPWAY_DATA_DIR: dataDir,
      SLIPWAY_ADMIN_TOKEN: TOKEN,
      SLIPWAY_IMAGE_SOURCE_ROOTS: join(REPO_ROOT, 'examples'),
    },
    REPO_ROOT,
  );
  slipway = await createSlipway(config, { cwd: REPO_ROOT, modules: [...KIND_MODULES, noteModule] });
});

afterAll(async () => {
  await slipway?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a kind added through one module', () => {
  it('is listed and described, with its own OpenAPI tag and operations', async () => {
    const kinds = await api('GET', '/v1/kinds');
    expect(kinds.body.items.map((kind: { name: string }) => kind.name)).toEqual([
      'image',
      'cluster',
      'service',
      'setting',
      'user',
      'note',
    ]);
    const note = await api('GET', '/v1/kinds/notes');
    expect(note.body).toMatchObject({ name: 'note', steps: ['write', 'erase'], initialState: 'draft' });
    const document = (await api('GET', '/openapi.json', undefined, null)).body;
    expect(document.tags.map((tag: { name: string }) => tag.name)).toContain('notes');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/notes', '/v1/notes/{id}', '/v1/notes/{id}/runs', '/v1/notes/{id}/check']),
    );
    expect(document.paths['/v1/notes/{id}/text'].get.operationId).toBe('readNoteText');
  });

  it('walks its machine through its provider, runs its action, serves its extra route, and ends', async () => {
    const created = await api('POST', '/v1/notes', { name: 'hello', spec: { text: 'hello, world' } });
    expect(created).toMatchObject({ status: 201, body: { state: 'draft', kind: 'note' } });
    const id: string = created.body.id;

    const write = await api('POST', `/v1/notes/${id}/runs`, { target: 'written' });
    expect(write.status).toBe(202);
    expect(await finished(write.body.id)).toMatchObject({ status: 'succeeded', step: 'write' });
    const written = (await api('GET', `/v1/notes/${id}`)).body;
    expect(written).toMatchObject({ state: 'written', status: { bytes: 12 } });
    expect(await readFile(written.status.file, 'utf8')).toBe('hello, world');

    expect(await api('GET', `/v1/notes/${id}/text`)).toEqual({ status: 200, body: { text: 'hello, world' } });
    expect((await api('GET', `/v1/notes/${id}/text`, undefined, null)).status).toBe(401);
    expect((await api('GET', '/v1/notes/nope/text')).body.code).toBe('resource_not_found');

    const check = await api('POST', `/v1/notes/${id}/check`, {});
    expect(check.status).toBe(202);
    expect(await finished(check.body.id)).toMatchObject({ status: 'succeeded', action: 'check' });

    const refused = await api('POST', `/v1/notes/${id}/runs`, { target: 'erased' });
    expect(refused).toMatchObject({ status: 400, body: { code: 'reason_required' } });
    const erase = await api('POST', `/v1/notes/${id}/runs`, { target: 'erased', reason: 'done' });
    expect(await finished(erase.body.id)).toMatchObject({ status: 'succeeded' });
    expect(existsSync(written.status.file)).toBe(false);

    const trail = (await api('GET', `/v1/transitions?resourceId=${id}`)).body.items;
    expect(trail.map((t: { event: string }) => t.event)).toEqual([
      'WRITE',
      'SUCCESS',
      'CHECK',
      'ERASE',
      'SUCCESS',
    ]);
  });

  it('hooks into another kind’s step: a built image is announced, recorded with the build', async () => {
    const image = await api('POST', '/v1/images', {
      name: 'announced',
      spec: {
        source: join(REPO_ROOT, 'examples/hello-app'),
        build: 'npm run build',
        start: 'node server.js',
        version: '4.5.6',
      },
    });
    const run = await api('POST', `/v1/images/${image.body.id}/runs`, { target: 'built' });
    expect(await finished(run.body.id)).toMatchObject({ status: 'succeeded' });
    const announced = join(dataDir, 'announced', image.body.id);
    expect(await readFile(announced, 'utf8')).toBe('4.5.6');
    const built = (await api('GET', `/v1/images/${image.body.id}`)).body;
    expect(built.status.hooks).toEqual({ 'note.announce': { file: announced } });
  });
});
