import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { portOpen } from './port-open';

async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('expected a TCP address');
  return { server, port: address.port };
}

describe('portOpen', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) server.close();
  });

  it('passes when something listens', async () => {
    const { server, port } = await listen();
    servers.push(server);
    expect(await portOpen('127.0.0.1', port, 2000)).toMatchObject({ ok: true });
  });

  it('fails on a closed port, naming the refusal', async () => {
    // Bind then close: the port was free a moment ago and nobody listens on it now.
    const { server, port } = await listen();
    server.close();
    await once(server, 'close');
    const result = await portOpen('127.0.0.1', port, 2000);
    expect(result).toMatchObject({
      ok: false,
      message: `expected 127.0.0.1:${port} to accept a TCP connection, found ECONNREFUSED`,
    });
  });

  it('refuses a port number out of range', async () => {
    expect((await portOpen('127.0.0.1', 70000, 100)).message).toBe(
      'expected a port between 1 and 65535, got 70000',
    );
  });
});
