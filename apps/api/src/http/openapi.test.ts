import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloImageSpec, startTestSlipway, type TestSlipway } from '../../testing/test-slipway';

let api: TestSlipway;
type Operation = Record<string, unknown> & {
  tags?: string[];
  responses: Record<string, unknown>;
  requestBody?: { required?: boolean };
};
let document: {
  servers?: { url: string }[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
};

beforeAll(async () => {
  api = await startTestSlipway();
  document = (await api.request('GET', '/openapi.json', { token: null })).json();
});
afterAll(async () => api.close());

function operations(): [string, string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]): [string, string, Operation] => [path, method, operation]),
  );
}

describe('the OpenAPI document and the server agree', () => {
  it('documents the label key rule the server enforces, and the server says what is wrong with a key', async () => {
    const labels = (
      document.paths['/v1/images']!.post!.requestBody as {
        content: Record<string, { schema: { properties: { labels: Record<string, unknown> } } }>;
      }
    ).content['application/json']!.schema.properties.labels;
    expect(labels.propertyNames).toMatchObject({ pattern: expect.any(String) });
    const rule = new RegExp((labels.propertyNames as { pattern: string }).pattern);
    for (const key of ['-x', 'a b', 'x'.repeat(64), 'é', '']) {
      expect(rule.test(key), key).toBe(false);
      const response = await api.request('POST', '/v1/images', {
        body: {
          name: `label-${key.length}-${rule.test(key)}`,
          spec: helloImageSpec(),
          labels: { [key]: 'v' },
        },
      });
      expect(response.statusCode, key).toBe(400);
      expect(response.json().detail).not.toMatch(/not a known property/);
      expect(response.json().detail).toContain(
        `body.labels: key ${JSON.stringify(key)} is not allowed: a label key is`,
      );
    }
    for (const key of ['a.b', 'team', 'k8s.io/name', 'x'.repeat(63)]) {
      expect(rule.test(key), key).toBe(true);
      const response = await api.request('POST', '/v1/images', {
        body: { name: `label-ok-${key.length}`, spec: helloImageSpec(), labels: { [key]: 'v' } },
      });
      expect(response.statusCode, `${key}: ${response.body}`).toBe(201);
    }
  });

  it('answers an unsupported method on a known path with 405 and Allow', async () => {
    for (const [method, url, allow] of [
      ['DELETE', '/v1/images', 'GET, HEAD, POST'],
      ['PUT', '/v1/images/x1', 'GET, HEAD, PATCH'],
      ['DELETE', '/v1/runs/x1', 'GET, HEAD'],
      ['GET', '/v1/runs/x1/cancel', 'POST'],
      ['DELETE', '/%761/kinds', 'GET, HEAD'],
    ] as const) {
      const response = await api.request(method, url);
      expect(response.statusCode, `${method} ${url}`).toBe(405);
      expect(response.headers.allow).toBe(allow);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json().code).toBe('method_not_allowed');
    }
    expect((await api.request('DELETE', '/v1/nothing-here')).statusCode).toBe(404);
  });

  it('marks a body optional where the server takes none, and the server takes none there', async () => {
    expect(document.paths['/v1/runs/{id}/cancel']!.post!.requestBody?.required).toBe(false);
    expect(document.paths['/v1/clusters/{id}/verify']!.post!.requestBody?.required).toBe(false);
    expect(document.paths['/v1/images']!.post!.requestBody?.required).toBe(true);
    const cancel = await api.request('POST', '/v1/runs/01ZZZZZZZZZZZZZZZZZZZZZZZZ/cancel');
    expect(cancel.json().code).toBe('run_not_found');
  });

  it('documents 503 on every /v1 operation that reaches a backend', () => {
    const missing = operations()
      .filter(([path]) => path.startsWith('/v1/') && !path.startsWith('/v1/kinds'))
      .filter(([, , operation]) => !('503' in operation.responses))
      .map(([path, method]) => `${method} ${path}`);
    expect(missing).toEqual([]);
  });

  it('says for every /v1 operation what permission it needs, in its description and x-slipway-permission', () => {
    const v1 = operations().filter(([path]) => path.startsWith('/v1/'));
    expect(v1.length).toBeGreaterThan(40);
    const undeclared = v1
      .filter(([, , operation]) => typeof operation['x-slipway-permission'] !== 'string')
      .map(([path, method]) => `${method} ${path}`);
    expect(undeclared).toEqual([]);
    const unexplained = v1
      .filter(([, , operation]) => !String(operation.description).includes('Needs '))
      .map(([path, method]) => `${method} ${path}`);
    expect(unexplained).toEqual([]);
    const secret = document.paths['/v1/settings/{id}/secret']?.get;
    expect(secret?.['x-slipway-permission']).toBe('setting:read-secret');
    expect(document.paths['/v1/images/{id}']?.get?.['x-slipway-permission']).toBe('image:read');
    expect(document.paths['/v1/images/{id}/runs']?.post?.['x-slipway-permission']).toBe('image:transition');
  });

  it('names a server and declares every tag it uses', () => {
    expect(document.servers?.length).toBeGreaterThan(0);
    const declared = new Set((document.tags ?? []).map((tag) => tag.name));
    const used = new Set(operations().flatMap(([, , operation]) => operation.tags ?? []));
    expect([...used].filter((tag) => !declared.has(tag))).toEqual([]);
    expect((document.tags ?? []).every((tag) => Boolean(tag.description))).toBe(true);
  });

  it("shows Slipway's title and logo in /docs, not Fastify's", async () => {
    const page = await api.request('GET', '/docs/', { token: null });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<title>Slipway[^<]*<\/title>/);
    const script = await api.request('GET', '/docs/static/swagger-initializer.js', { token: null });
    const logo = /img\.src = 'data:image\/svg\+xml;base64,([^']+)'/.exec(script.body);
    expect(logo).not.toBeNull();
    const svg = Buffer.from(logo![1]!, 'base64').toString('utf8');
    expect(svg).toContain('Slipway');
    expect(svg.toLowerCase()).not.toContain('fastify');
  });

  it('writes "an image", never "a image"', () => {
    const text = JSON.stringify(document);
    expect(text).not.toMatch(/\ba image/i);
  });
});
