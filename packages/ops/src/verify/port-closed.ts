import { type CheckResult, timedCheck } from './check-result';
import { invalidPortMessage, probeTcp } from './tcp-probe';

/**
 * Proves a port was freed: the connection must be refused. A timeout is not proof (a firewall or
 * a stuck listener looks the same), so it fails.
 */
export function portClosed(host: string, port: number, timeoutMs: number): Promise<CheckResult> {
  return timedCheck(`port ${host}:${port} is closed`, async () => {
    const probe = await probeTcp(host, port, timeoutMs);
    const expected = `expected ${host}:${port} to refuse connections`;
    switch (probe.kind) {
      case 'invalid-port':
        return { ok: false, message: invalidPortMessage(port) };
      case 'connected':
        return { ok: false, message: `${expected}, found something still listening` };
      case 'timeout':
        return { ok: false, message: `${expected}, found no answer within ${timeoutMs}ms` };
      case 'failed':
        return probe.reason === 'ECONNREFUSED'
          ? { ok: true, message: `${host}:${port} refused the connection` }
          : { ok: false, message: `${expected}, found ${probe.reason}` };
    }
  });
}
