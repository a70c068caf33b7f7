import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../free-port';
import { readBalancerState, replaceUpstreams } from './balancer-client';
import { type RunningBalancer, startBalancer } from './balancer-server';

/** A real upstream that says who it is and echoes what it was sent. */
async function upstream(name: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
      response.end(
        JSON.stringify({
          name,
          method: request.method,
          url: request.url,
          body: Buffer.concat(chunks).toString('utf8'),
          host: request.headers.host,
          forwardedFor: request.headers['x-forwarded-for'],
          forwardedHost: request.headers['x-forwarded-host'],
          connectionHeaderLeaked: request.headers['x-private'] !== undefined,
        }),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('expected a TCP address');
  return { server, origin: `http://127.0.0.1:${address.port}` };
}

describe('balancer server', () => {
  const servers: Server[] = [];
  let balancer: RunningBalancer | undefined;
  afterEach(async () => {
    await balancer?.close(0);
    balancer = undefined;
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  });

  async function start(upstreams: string[], clusterId: string | null = upstreams.length ? 'cl1' : null) {
    const port = await freePort();
    const adminPort = await freePort();
    balancer = await startBalancer({
      service: 'web',
      host: '127.0.0.1',
      port,
      adminPort,
      token: 'secret',
      initial: { clusterId, upstreams, generation: 7 },
    });
    return { url: `http://127.0.0.1:${port}`, admin: `http://127.0.0.1:${adminPort}` };
  }

  it('answers 503 problem JSON when the service has no upstream', async () => {
    const { url } = await start([]);
    const response = await fetch(`${url}/anything`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toEqual({
      type: 'about:blank',
      title: 'No upstream',
      status: 503,
      detail: 'service web has no live cluster: promote a cluster to send it traffic',
      service: 'web',
    });
  });

  it('spreads requests round-robin and forwards method, path, query, body and forwarding headers', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    servers.push(a.server, b.server);
    const { url } = await start([a.origin, b.origin]);
    const names: string[] = [];
    for (let i = 0; i < 4; i += 1) names.push(((await (await fetch(url)).json()) as { name: string }).name);
    expect(names.sort()).toEqual(['a', 'a', 'b', 'b']);

    const response = await fetch(`${url}/items/3?full=1`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', connection: 'x-private', 'x-private': 'hop' },
      body: 'hello',
    });
    const echoed = (await response.json()) as Record<string, unknown>;
    expect(echoed).toMatchObject({
      method: 'POST',
      url: '/items/3?full=1',
      body: 'hello',
      forwardedFor: '127.0.0.1',
      forwardedHost: new URL(url).host,
    });
    expect(echoed.host).toBe(new URL(echoed.name === 'a' ? a.origin : b.origin).host);
  });

  it('retries a GET on another upstream of the set when the first refuses the connection', async () => {
    const live = await upstream('live');
    servers.push(live.server);
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { url } = await start([dead, live.origin]);
    for (let i = 0; i < 6; i += 1) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { name: string }).name).toBe('live');
    }
    // A request with a body was streamed to the first upstream and cannot be replayed: it fails openly.
    const statuses = new Set<number>();
    for (let i = 0; i < 4; i += 1) {
      statuses.add((await fetch(url, { method: 'POST', body: 'x' })).status);
    }
    expect(statuses).toEqual(new Set([200, 502]));
  });

  it('swaps the whole set through the admin endpoint, which needs the token and a valid set', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    servers.push(a.server, b.server);
    const { url, admin } = await start([a.origin]);
    expect(await readBalancerState(admin, 1000)).toMatchObject({
      service: 'web',
      pid: process.pid,
      clusterId: 'cl1',
      upstreams: [a.origin],
      generation: 7,
    });
    await expect(
      replaceUpstreams(admin, 'wrong', { clusterId: 'cl2', upstreams: [b.origin] }, 1000),
    ).rejects.toThrow('(401): PUT /upstreams needs the bearer token from balancer.json');
    await expect(
      replaceUpstreams(admin, 'secret', { clusterId: 'cl2', upstreams: ['https://example.com/x'] }, 1000),
    ).rejects.toThrow('(400): upstream "https://example.com/x" is not an http origin');

    const swapped = await replaceUpstreams(
      admin,
      'secret',
      { clusterId: 'cl2', upstreams: [b.origin] },
      1000,
    );
    expect(swapped).toMatchObject({ clusterId: 'cl2', upstreams: [b.origin], generation: 8 });
    expect(((await (await fetch(url)).json()) as { name: string }).name).toBe('b');

    await replaceUpstreams(admin, 'secret', { clusterId: null, upstreams: [] }, 1000);
    expect((await fetch(url)).status).toBe(503);
  });
});
