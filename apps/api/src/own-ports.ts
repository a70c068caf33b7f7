import type { AddressInfo } from 'node:net';

interface Listener {
  address(): AddressInfo | string | null;
}

/** A port Slipway itself holds, and what holds it (`api`, `worker health`). */
export interface OwnPort {
  port: number;
  holder: string;
}

/**
 * The ports Slipway listens on, as bound: with `PORT=0` the OS picks the API's, so the configured
 * number says nothing. Servers are registered as they are made and read at each check; a
 * configured port stands in for a server not listening yet (the API before `listen`, a worker
 * health server in another process).
 */
export class OwnPorts {
  private readonly listeners: { holder: string; server: Listener }[] = [];
  private readonly configured: OwnPort[] = [];

  /** A server of this process: its bound address counts once it listens. */
  watch(holder: string, server: Listener): void {
    this.listeners.push({ holder, server });
  }

  /** A port Slipway will listen on or another of its processes does; 0 (any port) is no port. */
  expect(holder: string, port: number): void {
    if (port > 0) this.configured.push({ holder, port });
  }

  list(): OwnPort[] {
    const bound = this.listeners.flatMap(({ holder, server }) => {
      const address = server.address();
      return address && typeof address === 'object' ? [{ holder, port: address.port }] : [];
    });
    return [...bound, ...this.configured];
  }
}
