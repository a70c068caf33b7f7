import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloImageSpec, startTestSlipway, type TestSlipway } from '../../testing/test-slipway';

let api: TestSlipway;
beforeAll(async () => {
  api = await startTestSlipway();
});
afterAll(async () => api.close());

async function createImage(name: string, spec: Record<string, unknown> = helloImageSpec()) {
  const response = await api.request('POST', '/v1/images', { body: { name, spec } });
  expect(response.statusCode).toBe(201);
  return response.json<{ id: string }>();
}

async function requestRun(id: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return api.request('POST', `/v1/images/${id}/runs`, { body, headers });
}

async function transitionsOf(resourceId: string) {
  return (await api.request('GET', `/v1/transitions?resourceId=${resourceId}&limit=200`)).json()
    .items as Array<Record<string, unknown>>;
}

describe('runs', () => {
  it('builds an image: 202 + Location, two transitions, files on disk', async () => {
    const image = await createImage('build-ok', helloImageSpec({ version: '2.3.4' }));
    const response = await requestRun(image.id, { target: 'built' });
    expect(response.statusCode).toBe(202);
    const run = response.json();
    expect(response.headers.location).toBe(`/v1/runs/${run.id}`);
    expect(run).toMatchObject({
      status: 'queued',
      target: 'built',
      fromState: 'pending',
      requestedBy: 'admin',
    });
    const ended = await api.waitForRun(run.id);
    expect(ended).toMatchObject({ status: 'succeeded', step: 'build', attempt: 1, error: null });
    const resource = (await api.request('GET', `/v1/images/${image.id}`)).json();
    expect(resource.state).toBe('built');
    expect(resource.activeRunId).toBeNull();
    expect(readFileSync(`${resource.status.path}/VERSION`, 'utf8').trim()).toBe('2.3.4');
    const transitions = await transitionsOf(image.id);
    expect(transitions.map((t) => `${t.from}>${t.to}:${t.event}:${t.outcome}`)).toEqual([
      'pending>building:BUILD:requested',
      'building>built:SUCCESS:succeeded',
    ]);
    expect(transitions.map((t) => t.seq)).toEqual([1, 2]);
    expect(transitions.every((t) => t.runId === run.id && t.actor === 'admin')).toBe(true);

    const edit = await api.request('PATCH', `/v1/images/${image.id}`, {
      body: { spec: helloImageSpec({ version: '9.9.9' }) },
    });
    expect(edit.statusCode).toBe(409);
    expect(edit.json()).toMatchObject({ code: 'not_editable' });
    expect(edit.json().detail).toMatch(/^The spec of an image can change only/);
  });

  it('records a failed build with its error and log excerpt', async () => {
    const image = await createImage(
      'build-fails',
      helloImageSpec({ build: 'echo compiling; echo broken >&2; exit 3' }),
    );
    const run = (await requestRun(image.id, { target: 'built' })).json();
    const ended = await api.waitForRun(run.id);
    expect(ended.status).toBe('failed');
    expect(ended.error).toMatchObject({ code: 'build_failed' });
    const failure = (await transitionsOf(image.id)).at(-1)!;
    expect(failure).toMatchObject({ from: 'building', to: 'failed', event: 'FAILURE', outcome: 'failed' });
    expect(failure.log).toContain('broken');
    expect((await api.request('GET', `/v1/images/${image.id}`)).json().state).toBe('failed');
  });

  it('answers 409 naming the active run, and cancels a running build', async () => {
    const image = await createImage('slow', helloImageSpec({ build: 'sleep 20' }));
    const first = (await requestRun(image.id, { target: 'built' })).json();
    const second = await requestRun(image.id, { target: 'built' });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'run_conflict', activeRunId: first.id });
    expect(second.json().detail).toContain(first.id);

    for (let i = 0; i < 100; i += 1) {
      if ((await api.request('GET', `/v1/runs/${first.id}`)).json().step === 'build') break;
      await new Promise((done) => setTimeout(done, 50));
    }
    const cancel = await api.request('POST', `/v1/runs/${first.id}/cancel`, {
      body: { reason: 'wrong build' },
    });
    expect(cancel.statusCode).toBe(202);
    const ended = await api.waitForRun(first.id);
    expect(ended).toMatchObject({
      status: 'cancelled',
      cancelRequestedBy: 'admin',
      cancelReason: 'wrong build',
    });
    expect(Number(ended.durationMs)).toBeLessThan(15_000);
    const last = (await transitionsOf(image.id)).at(-1)!;
    expect(last).toMatchObject({ from: 'building', to: 'pending', event: 'CANCEL', outcome: 'cancelled' });
    const resource = (await api.request('GET', `/v1/images/${image.id}`)).json();
    expect(resource).toMatchObject({ state: 'pending', activeRunId: null });
    expect(existsSync(`${api.dataDir}/images/${image.id}`)).toBe(false);

    const again = await api.request('POST', `/v1/runs/${first.id}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('run_finished');
  });

  it('needs a reason to destroy, then destroys', async () => {
    const image = await createImage('to-destroy');
    await api.waitForRun((await requestRun(image.id, { target: 'built' })).json().id);
    const noReason = await requestRun(image.id, { target: 'destroyed' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().code).toBe('reason_required');
    const run = (await requestRun(image.id, { target: 'destroyed', reason: 'superseded by v2' })).json();
    expect((await api.waitForRun(run.id)).status).toBe('succeeded');
    const resource = (await api.request('GET', `/v1/images/${image.id}`)).json();
    expect(resource.state).toBe('destroyed');
    expect(existsSync(String(resource.status.path))).toBe(false);
    const reused = await api.request('POST', '/v1/images', {
      body: { name: 'to-destroy', spec: helloImageSpec() },
    });
    expect(reused.statusCode).toBe(201);

    const unreachable = await requestRun(image.id, { target: 'built' });
    expect(unreachable.statusCode).toBe(409);
    expect(unreachable.json().code).toBe('unreachable_target');
  });

  it('refuses targets that cannot be requested, and a target already reached', async () => {
    const image = await createImage('targets');
    const working = await requestRun(image.id, { target: 'building' });
    expect(working.statusCode).toBe(400);
    expect(working.json().code).toBe('validation_failed');
    await api.waitForRun((await requestRun(image.id, { target: 'built' })).json().id);
    const already = await requestRun(image.id, { target: 'built' });
    expect(already.statusCode).toBe(409);
    expect(already.json().code).toBe('already_in_target');
  });

  it('answers 404 for unknown runs and images', async () => {
    expect((await api.request('GET', '/v1/runs/nope')).json().code).toBe('run_not_found');
    expect((await api.request('POST', '/v1/runs/nope/cancel')).statusCode).toBe(404);
    expect((await requestRun('nope', { target: 'built' })).json().code).toBe('resource_not_found');
  });

  it('cancels a queued run without touching the resource', async () => {
    const image = await createImage('queued-cancel');
    // Fill the executor so the next run waits in the queue.
    const blockers = [];
    for (let i = 0; i < 4; i += 1) {
      const blocker = await createImage(`blocker-${i}`, helloImageSpec({ build: 'sleep 5' }));
      blockers.push((await requestRun(blocker.id, { target: 'built' })).json().id as string);
    }
    const run = (await requestRun(image.id, { target: 'built' })).json();
    const cancel = await api.request('POST', `/v1/runs/${run.id}/cancel`, { body: { reason: 'not now' } });
    expect(cancel.statusCode).toBe(202);
    expect(cancel.json().status).toBe('cancelled');
    expect(await transitionsOf(image.id)).toEqual([]);
    expect((await api.request('GET', `/v1/images/${image.id}`)).json()).toMatchObject({
      state: 'pending',
      activeRunId: null,
    });
    for (const id of blockers) await api.request('POST', `/v1/runs/${id}/cancel`);
    for (const id of blockers) await api.waitForRun(id);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body', async () => {
    const body = { name: 'idem-create', spec: helloImageSpec() };
    const first = await api.request('POST', '/v1/images', {
      body,
      headers: { 'idempotency-key': 'create-1' },
    });
    const replay = await api.request('POST', '/v1/images', {
      body,
      headers: { 'idempotency-key': 'create-1' },
    });
    expect(first.statusCode).toBe(201);
    expect(replay.statusCode).toBe(201);
    expect(replay.json().id).toBe(first.json().id);
    expect(replay.headers.location).toBe(first.headers.location);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });

  it('refuses the same key for a different body with 422', async () => {
    await api.request('POST', '/v1/images', {
      body: { name: 'idem-a', spec: helloImageSpec() },
      headers: { 'idempotency-key': 'create-2' },
    });
    const other = await api.request('POST', '/v1/images', {
      body: { name: 'idem-b', spec: helloImageSpec() },
      headers: { 'idempotency-key': 'create-2' },
    });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('idempotency_key_reused');
    expect(
      (await api.request('GET', '/v1/images?limit=200'))
        .json()
        .items.some((i: { name: string }) => i.name === 'idem-b'),
    ).toBe(false);
  });

  it('replays for the same body with its keys in another order, at any depth', async () => {
    const headers = { 'idempotency-key': 'create-reordered' };
    const first = await api.request('POST', '/v1/images', {
      body: { name: 'idem-order', spec: helloImageSpec(), labels: { a: '1', b: '2' } },
      headers,
    });
    const { source, build, start, version } = helloImageSpec();
    const reordered = await api.request('POST', '/v1/images', {
      body: { labels: { b: '2', a: '1' }, spec: { version, start, build, source }, name: 'idem-order' },
      headers,
    });
    expect(first.statusCode).toBe(201);
    expect(reordered.statusCode, reordered.body).toBe(201);
    expect(reordered.headers['idempotent-replayed']).toBe('true');
    expect(reordered.json().id).toBe(first.json().id);
  });

  it('replays for the same route spelled with percent-encoding', async () => {
    const headers = { 'idempotency-key': 'create-encoded' };
    const body = { name: 'idem-encoded', spec: helloImageSpec() };
    const first = await api.request('POST', '/v1/images', { body, headers });
    const encoded = await api.request('POST', '/v1/%69mages', { body, headers });
    expect(first.statusCode).toBe(201);
    expect(encoded.statusCode, encoded.body).toBe(201);
    expect(encoded.headers['idempotent-replayed']).toBe('true');
  });

  it('starts one run for a retried run request', async () => {
    const image = (
      await api.request('POST', '/v1/images', { body: { name: 'idem-run', spec: helloImageSpec() } })
    ).json();
    const headers = { 'idempotency-key': 'run-1' };
    const first = await requestRun(image.id, { target: 'built' }, headers);
    const retry = await requestRun(image.id, { target: 'built' }, headers);
    expect(first.statusCode).toBe(202);
    expect(retry.statusCode).toBe(202);
    expect(retry.json().id).toBe(first.json().id);
    await api.waitForRun(first.json().id);
    expect((await transitionsOf(image.id)).length).toBe(2);
  });

  it('does not store refusals: the same key works once the request is fixed', async () => {
    const headers = { 'idempotency-key': 'fix-me' };
    const bad = await api.request('POST', '/v1/images', {
      body: { name: 'idem-fix', spec: helloImageSpec({ source: '/nope' }) },
      headers,
    });
    expect(bad.statusCode).toBe(400);
    const good = await api.request('POST', '/v1/images', {
      body: { name: 'idem-fix', spec: helloImageSpec() },
      headers,
    });
    expect(good.statusCode).toBe(201);
  });
});

describe('GET /v1/transitions', () => {
  it('filters by outcome, kind and time, and pages', async () => {
    const since = new Date().toISOString();
    const image = await createImage('audited');
    await api.waitForRun((await requestRun(image.id, { target: 'built' })).json().id);
    const succeeded = (
      await api.request('GET', `/v1/transitions?kind=image&outcome=succeeded&since=${since}`)
    ).json();
    expect(succeeded.items.every((t: { outcome: string }) => t.outcome === 'succeeded')).toBe(true);
    expect(succeeded.items.some((t: { resourceId: string }) => t.resourceId === image.id)).toBe(true);
    const future = (await api.request('GET', `/v1/transitions?since=2999-01-01T00:00:00Z`)).json();
    expect(future.items).toEqual([]);
    const firstPage = (await api.request('GET', `/v1/transitions?resourceId=${image.id}&limit=1`)).json();
    expect(firstPage.items).toHaveLength(1);
    const secondPage = (
      await api.request(
        'GET',
        `/v1/transitions?resourceId=${image.id}&limit=1&cursor=${firstPage.nextCursor}`,
      )
    ).json();
    expect(secondPage.items[0].seq).toBe(2);
    expect(secondPage.nextCursor).toBeNull();
  });

  it('refuses a malformed time with a field-level message', async () => {
    const response = await api.request('GET', '/v1/transitions?since=yesterday');
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].path).toBe('querystring.since');
  });
});
