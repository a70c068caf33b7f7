import { connect } from 'node:net';
import { type CheckResult, errorCode, timedCheck } from './check-result';

export function portOpen(host: string, port: number, timeoutMs: number): Promise<CheckResult> {
  return timedCheck(`port ${host}:${port} is open`, () => {
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
            message: `expected ${host}:${port} to accept a TCP connection, found no answer within ${timeoutMs}ms`,
          }),
        timeoutMs,
      );
      socket.once('connect', () =>
        settle({ ok: true, message: `${host}:${port} accepted a TCP connection` }),
      );
      socket.once('error', (error) =>
        settle({
          ok: false,
          message: `expected ${host}:${port} to accept a TCP connection, found ${errorCode(error) ?? error.message}`,
        }),
      );
    });
  });
}
