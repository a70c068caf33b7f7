import { connect } from 'node:net';
import { type CheckResult, errorCode, timedCheck } from './check-result';

/**
 * Proves a port was freed: the connection must be refused. A timeout is not proof (a firewall or
 * a stuck listener looks the same), so it fails.
 */
export function portClosed(host: string, port: number, timeoutMs: number): Promise<CheckResult> {
  return timedCheck(`port ${host}:${port} is closed`, () => {
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      return Promise.resolve({ ok: false, message: `expected a port between 1 and 65535, got ${port}` });
    }
    return new Promise((resolve) => {
      const socket = connect({ host, port });
      const settle = (verdict: { ok: boolean; message: string }) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(verdict);
      };
      const timer = setTimeout(
        () =>
          settle({
            ok: false,
            message: `expected ${host}:${port} to refuse connections, found no answer within ${timeoutMs}ms`,
          }),
        timeoutMs,
      );
      socket.once('connect', () =>
        settle({
          ok: false,
          message: `expected ${host}:${port} to refuse connections, found something still listening`,
        }),
      );
      socket.once('error', (error) => {
        const code = errorCode(error);
        settle(
          code === 'ECONNREFUSED'
            ? { ok: true, message: `${host}:${port} refused the connection` }
            : {
                ok: false,
                message: `expected ${host}:${port} to refuse connections, found ${code ?? error.message}`,
              },
        );
      });
    });
  });
}
