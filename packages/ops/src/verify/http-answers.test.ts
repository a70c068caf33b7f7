import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAnswers } from './http-answers';

describe('httpAnswers', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ app: 'hello-app', version: '2.3.4', build: { tags: ['a'] } }));
      } else if (request.url === '/health') {
        response.end('ok');
      } else if (request.url === '/slow') {
        setTimeout(() => response.end('late'), 2000);
      } else {
        response.writeHead(503);
        response.end('draining');
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('expected a TCP address');
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('passes on the expected status, body text and JSON field', async () => {
    expect(await httpAnswers({ url: `${base}/health`, bodyIncludes: 'ok', timeoutMs: 2000 })).toMatchObject({
      ok: true,
    });
    const result = await httpAnswers({
      url: base,
      jsonField: { path: 'version', equals: '2.3.4' },
      timeoutMs: 2000,
    });
    expect(result).toMatchObject({ ok: true, message: `GET ${base} answered 200 with version = "2.3.4"` });
    expect(
      (await httpAnswers({ url: base, jsonField: { path: 'build.tags', equals: ['a'] }, timeoutMs: 2000 }))
        .ok,
    ).toBe(true);
  });

  it('reports the status found and the body when the status differs', async () => {
    const result = await httpAnswers({ url: `${base}/other`, timeoutMs: 2000 });
    expect(result.ok).toBe(false);
    expect(result.message).toBe(`expected GET ${base}/other to answer 200, found 503; body "draining"`);
  });

  it('accepts another expected status', async () => {
    expect((await httpAnswers({ url: `${base}/other`, status: 503, timeoutMs: 2000 })).ok).toBe(true);
  });

  it('reports a JSON field with the wrong value, and a missing one', async () => {
    const wrong = await httpAnswers({
      url: base,
      jsonField: { path: 'version', equals: '9.9.9' },
      timeoutMs: 2000,
    });
    expect(wrong.message).toContain('expected JSON field version = "9.9.9", found "2.3.4"');
    const missing = await httpAnswers({
      url: base,
      jsonField: { path: 'build.sha', equals: 'x' },
      timeoutMs: 2000,
    });
    expect(missing.message).toContain('found no field build.sha');
  });

  it('reports a body that lacks the expected text', async () => {
    const result = await httpAnswers({ url: `${base}/health`, bodyIncludes: 'healthy', timeoutMs: 2000 });
    expect(result.message).toBe(
      `expected the body of GET ${base}/health to include "healthy", found body "ok"`,
    );
  });

  it('reports a JSON check against a body that is not JSON', async () => {
    const result = await httpAnswers({
      url: `${base}/health`,
      jsonField: { path: 'v', equals: 1 },
      timeoutMs: 2000,
    });
    expect(result.message).toContain('found a body that is not JSON');
  });

  it('gives up after the timeout', async () => {
    const result = await httpAnswers({ url: `${base}/slow`, timeoutMs: 200 });
    expect(result.message).toBe(`expected GET ${base}/slow to answer 200, found no answer within 200ms`);
    expect(result.durationMs).toBeLessThan(1500);
  });

  it('names a refused connection', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const address = closed.address();
    if (!address || typeof address === 'string') throw new Error('expected a TCP address');
    closed.close();
    await once(closed, 'close');
    const result = await httpAnswers({ url: `http://127.0.0.1:${address.port}/`, timeoutMs: 2000 });
    expect(result.message).toContain('found ECONNREFUSED');
  });
});
