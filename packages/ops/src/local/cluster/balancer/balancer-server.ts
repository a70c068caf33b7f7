import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { Agent } from 'undici';
import { adminHandler } from './admin-handler';
import { proxyHandler } from './proxy-handler';
import { type UpstreamState, UpstreamTable } from './upstream-set';

export interface BalancerConfig {
  service: string;
  /** Where the service's traffic arrives. */
  host: string;
  port: number;
  /** Loopback only, always. */
  adminPort: number;
  token: string;
  initial: UpstreamState;
  /** Where the balancer reports each swap. */
  log?: (line: string) => void;
}

export interface RunningBalancer {
  table: UpstreamTable;
  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then closes everything. */
  close(graceMs?: number): Promise<void>;
}

/** A reverse proxy for one service plus its admin endpoint, in this process. */
export async function startBalancer(config: BalancerConfig): Promise<RunningBalancer> {
  const table = new UpstreamTable(config.initial);
  // One pool of kept-alive connections per upstream origin: a request does not pay for a connect.
  const agent = new Agent({ keepAliveTimeout: 30_000, connect: { timeout: 2000 } });
  const proxy = createServer(proxyHandler(table, agent, config.service));
  const admin = createServer(adminHandler(table, config.service, config.token, config.log));
  try {
    await listen(admin, config.adminPort, '127.0.0.1');
    await listen(proxy, config.port, config.host);
  } catch (error) {
    admin.close();
    proxy.close();
    await agent.close();
    throw error;
  }
  return {
    table,
    async close(graceMs = 5000) {
      const closed = Promise.all([
        new Promise((resolve) => proxy.close(resolve)),
        new Promise((resolve) => admin.close(resolve)),
      ]);
      proxy.closeIdleConnections();
      admin.closeIdleConnections();
      const timer = setTimeout(() => {
        proxy.closeAllConnections();
        admin.closeAllConnections();
      }, graceMs);
      await closed;
      clearTimeout(timer);
      await agent.close();
    },
  };
}

async function listen(server: Server, port: number, host: string): Promise<void> {
  server.listen(port, host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => {
      throw new Error(`cannot listen on ${host}:${port}: ${(error as Error).message}`);
    }),
  ]);
}
