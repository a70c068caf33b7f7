import { once } from 'node:events';
import { createServer } from 'node:net';

/** Ports handed out recently: the kernel may offer one again before the app we gave it binds it. */
const recentlyHandedOut = new Map<number, number>();
const HOLD_MS = 60_000;

/**
 * A port nothing listens on right now, bound on the wildcard address so a port taken on any
 * interface is refused. The app binds it moments later; the hold list keeps two launches in this
 * process from being given the same one in between.
 */
export async function freePort(): Promise<number> {
  const now = Date.now();
  for (const [port, at] of recentlyHandedOut) if (now - at > HOLD_MS) recentlyHandedOut.delete(port);
  for (let tries = 0; tries < 20; tries += 1) {
    const server = createServer();
    server.listen(0);
    await once(server, 'listening');
    const address = server.address();
    server.close();
    await once(server, 'close');
    if (!address || typeof address === 'string') throw new Error('expected a TCP address');
    if (recentlyHandedOut.has(address.port)) continue;
    recentlyHandedOut.set(address.port, now);
    return address.port;
  }
  throw new Error('could not find a free port in 20 tries');
}
