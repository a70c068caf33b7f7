import { connect } from 'node:net';
import { errorCode } from './check-result';

/** What one TCP connection attempt found; `portOpen` and `portClosed` read it in opposite ways. */
export type TcpProbe =
  | { kind: 'invalid-port' }
  | { kind: 'connected' }
  | { kind: 'failed'; reason: string }
  | { kind: 'timeout' };

export function probeTcp(host: string, port: number, timeoutMs: number): Promise<TcpProbe> {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return Promise.resolve({ kind: 'invalid-port' });
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const settle = (probe: TcpProbe) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(probe);
    };
    const timer = setTimeout(() => settle({ kind: 'timeout' }), timeoutMs);
    socket.once('connect', () => settle({ kind: 'connected' }));
    socket.once('error', (error) => settle({ kind: 'failed', reason: errorCode(error) ?? error.message }));
  });
}

export function invalidPortMessage(port: number): string {
  return `expected a port between 1 and 65535, got ${port}`;
}
