import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSlipway, type TestSlipway } from '../../testing/test-slipway';

let api: TestSlipway;
beforeAll(async () => {
  api = await startTestSlipway();
});
afterAll(async () => api.close());

describe('authentication', () => {
  it('answers 401 problem without a token, with a wrong token, and with another scheme', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-000000000' },
      { authorization: 'Basic abc' },
    ]) {
      const response = await api.slipway.app.inject({ method: 'GET', url: '/v1/images', headers });
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(response.headers['x-request-id']).toBe(response.json().requestId);
      expect(response.json().code).toBe('unauthorized');
    }
  });

  it('keeps health, the OpenAPI document and the docs open', async () => {
    for (const url of ['/health/live', '/health/ready', '/openapi.json', '/docs']) {
      const response = await api.request('GET', url, { token: null });
      expect(response.statusCode, url).toBeLessThan(400);
    }
  });
});

describe('kinds', () => {
  it('lists kinds and describes the image machine', async () => {
    const list = (await api.request('GET', '/v1/kinds')).json();
    expect(list.items.map((kind: { name: string }) => kind.name)).toEqual([
      'image',
      'cluster',
      'service',
      'setting',
      'user',
    ]);
    for (const name of ['image', 'images']) {
      const kind = (await api.request('GET', `/v1/kinds/${name}`)).json();
      expect(kind.steps).toEqual(['build', 'destroy']);
      expect(kind.mermaid).toContain('pending --> building: BUILD');
    }
    const missing = await api.request('GET', '/v1/kinds/spaceship');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('kind_not_found');
  });
});

describe('health and plumbing', () => {
  it('reports the store ready', async () => {
    const ready = (await api.request('GET', '/health/ready', { token: null })).json();
    expect(ready).toEqual({ status: 'ok', checks: { store: 'ok (lmdb)', executor: 'ok (inline)' } });
  });

  it('answers unknown routes with a 404 problem and echoes the request id', async () => {
    const response = await api.request('GET', '/v1/nothing-here', {
      headers: { 'x-request-id': 'trace-123' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'route_not_found', requestId: 'trace-123' });
    expect(response.headers['x-request-id']).toBe('trace-123');
  });

  it('answers over-long and badly encoded path parameters with a 400 problem, not 414', async () => {
    for (const url of [
      `/v1/images/${'a'.repeat(200)}`,
      `/v1/runs/${'b'.repeat(5000)}`,
      '/v1/images/%E0%A4%A',
    ]) {
      const response = await api.request('GET', url);
      expect(response.statusCode, url).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json().code).toBe('validation_failed');
    }
  });

  it('documents every route with summary, description, tags and problem responses', async () => {
    const document = (await api.request('GET', '/openapi.json', { token: null })).json();
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.values(
      document.paths as Record<string, Record<string, Record<string, unknown>>>,
    ).flatMap((item) => Object.values(item));
    expect(operations.length).toBeGreaterThanOrEqual(11);
    for (const operation of operations) {
      expect(operation.summary).toBeTruthy();
      expect(operation.description).toBeTruthy();
      expect(operation.tags).toBeTruthy();
    }
    const create = document.paths['/v1/images'].post;
    expect(create.responses['400'].content['application/problem+json']).toBeTruthy();
    const spec = create.requestBody.content['application/json'].schema.properties.spec;
    // `source` is the local provider's, required there by its check; an EC2 image names none.
    expect(spec.required).toEqual(['build']);
    expect(spec.properties.provider.anyOf.map((branch: { title: string }) => branch.title)).toEqual([
      'LocalImageProvider',
      'Ec2ImageProvider',
    ]);
  });
});
