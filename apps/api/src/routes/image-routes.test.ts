import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloImageSpec, startTestSlipway, type TestSlipway } from '../../testing/test-slipway';

let api: TestSlipway;
beforeAll(async () => {
  api = await startTestSlipway();
});
afterAll(async () => api.close());

async function createImage(name: string, labels: Record<string, string> = {}) {
  const response = await api.request('POST', '/v1/images', {
    body: { name, spec: helloImageSpec(), labels },
  });
  expect(response.statusCode).toBe(201);
  return response.json<{ id: string; version: number }>();
}

describe('POST /v1/images', () => {
  it('creates a pending image with Location and ETag', async () => {
    const response = await api.request('POST', '/v1/images', {
      body: { name: 'create-ok', spec: helloImageSpec(), labels: { team: 'web' } },
    });
    expect(response.statusCode).toBe(201);
    const image = response.json();
    expect(image).toMatchObject({
      kind: 'image',
      name: 'create-ok',
      state: 'pending',
      version: 1,
      activeRunId: null,
    });
    expect(image).not.toHaveProperty('seq');
    expect(response.headers.location).toBe(`/v1/images/${image.id}`);
    expect(response.headers.etag).toBe('"1"');
  });

  it('answers 400 with field-level problems and creates nothing', async () => {
    const before = (await api.request('GET', '/v1/images?limit=200')).json().items.length;
    const response = await api.request('POST', '/v1/images', {
      body: { name: 'Bad Name', spec: { source: '', build: 42 }, extra: true },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem.code).toBe('validation_failed');
    const paths = problem.errors.map((error: { path: string }) => error.path);
    expect(paths).toEqual(
      expect.arrayContaining(['body.name', 'body.extra', 'body.spec.source', 'body.spec.build']),
    );
    expect((await api.request('GET', '/v1/images?limit=200')).json().items.length).toBe(before);
  });

  it('names the missing field', async () => {
    const response = await api.request('POST', '/v1/images', { body: { name: 'no-spec' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ path: 'body.spec', message: 'is required' }]);
  });

  it('refuses a source the local provider cannot use with invalid_spec', async () => {
    const response = await api.request('POST', '/v1/images', {
      body: { name: 'nowhere', spec: helloImageSpec({ source: '/definitely/not/here' }) },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'invalid_spec' });
    expect(response.json().detail).toContain('/definitely/not/here');
  });

  it('refuses a second live image with the same name (409 name_taken)', async () => {
    await createImage('twin');
    const response = await api.request('POST', '/v1/images', {
      body: { name: 'twin', spec: helloImageSpec() },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('name_taken');
  });

  it('rejects malformed JSON and other media types as problems', async () => {
    const malformed = await api.slipway.app.inject({
      method: 'POST',
      url: '/v1/images',
      headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().code).toBe('validation_failed');
    const text = await api.slipway.app.inject({
      method: 'POST',
      url: '/v1/images',
      headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'text/plain' },
      payload: 'name=x',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('unsupported_media_type');
  });
});

describe('GET /v1/images', () => {
  it('filters by label and state and pages with a cursor', async () => {
    const ids = [];
    for (let i = 0; i < 5; i += 1) ids.push((await createImage(`paged-${i}`, { batch: 'paging' })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/v1/images?label=batch=paging&state=pending&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await api.request('GET', query)).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item: { id: string }) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('refuses a cursor it did not issue', async () => {
    const response = await api.request('GET', '/v1/images?cursor=not-a-cursor');
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('invalid_cursor');
  });

  it('refuses an unknown state with the allowed values', async () => {
    const response = await api.request('GET', '/v1/images?state=sideways');
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('validation_failed');
  });
});

describe('GET /v1/images/{id}', () => {
  it('answers with an ETag', async () => {
    const image = await createImage('readable');
    const response = await api.request('GET', `/v1/images/${image.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('"1"');
    expect(response.json().id).toBe(image.id);
  });

  it('answers 404 resource_not_found for an unknown id', async () => {
    const response = await api.request('GET', '/v1/images/01ZZZZZZZZZZZZZZZZZZZZZZZZ');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'resource_not_found', status: 404 });
  });
});

describe('PATCH /v1/images/{id}', () => {
  it('applies a patch when If-Match matches and bumps the ETag', async () => {
    const image = await createImage('patchable');
    const response = await api.request('PATCH', `/v1/images/${image.id}`, {
      body: { labels: { tier: 'gold' } },
      headers: { 'if-match': '"1"' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().labels).toEqual({ tier: 'gold' });
    expect(response.headers.etag).toBe('"2"');
  });

  it('answers 412 when If-Match is stale, and changes nothing', async () => {
    const image = await createImage('stale');
    await api.request('PATCH', `/v1/images/${image.id}`, { body: { labels: { a: '1' } } });
    const response = await api.request('PATCH', `/v1/images/${image.id}`, {
      body: { labels: { a: '2' } },
      headers: { 'if-match': '"1"' },
    });
    expect(response.statusCode).toBe(412);
    expect(response.json().code).toBe('precondition_failed');
    expect((await api.request('GET', `/v1/images/${image.id}`)).json().labels).toEqual({ a: '1' });
  });

  it('compares If-Match strongly: a weak tag of the current version answers 412', async () => {
    const image = await createImage('weak-if-match');
    const response = await api.request('PATCH', `/v1/images/${image.id}`, {
      body: { labels: { a: '1' } },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(response.statusCode).toBe(412);
    expect(response.json().code).toBe('precondition_failed');
    expect((await api.request('GET', `/v1/images/${image.id}`)).json().version).toBe(1);
  });

  it('applies a patch when any tag of an If-Match list is the current one', async () => {
    const image = await createImage('listed-if-match');
    await api.request('PATCH', `/v1/images/${image.id}`, { body: { labels: { a: '1' } } });
    const response = await api.request('PATCH', `/v1/images/${image.id}`, {
      body: { labels: { a: '2' } },
      headers: { 'if-match': '"1", "2"' },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers.etag).toBe('"3"');
  });

  it('answers 400 invalid_if_match for a header that is not an entity-tag list', async () => {
    const image = await createImage('malformed-if-match');
    const response = await api.request('PATCH', `/v1/images/${image.id}`, {
      body: { labels: { a: '1' } },
      headers: { 'if-match': '1' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('invalid_if_match');
    expect(response.json().detail).not.toMatch(/NaN/);
    expect((await api.request('GET', `/v1/images/${image.id}`)).json().version).toBe(1);
  });

  it('refuses an empty patch', async () => {
    const image = await createImage('empty-patch');
    const response = await api.request('PATCH', `/v1/images/${image.id}`, { body: {} });
    expect(response.statusCode).toBe(400);
  });
});
