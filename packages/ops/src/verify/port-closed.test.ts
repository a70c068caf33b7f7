import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { portClosed } from './port-closed';

describe('portClosed', () => {
  it('fails while something listens and passes once the listener is closed', async () => {
    const server = createServer((socket) => socket.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('expected a TCP address');
    const { port } = address;
    try {
      expect(await portClosed('127.0.0.1', port, 2000)).toMatchObject({
        ok: false,
        message: `expected 127.0.0.1:${port} to refuse connections, found something still listening`,
      });
    } finally {
      server.close();
      await once(server, 'close');
    }
    expect(await portClosed('127.0.0.1', port, 2000)).toMatchObject({
      ok: true,
      message: `127.0.0.1:${port} refused the connection`,
    });
  });

  it('refuses a port number out of range', async () => {
    expect((await portClosed('127.0.0.1', 0, 100)).ok).toBe(false);
  });
});
