import { type CheckResult, timedCheck } from './check-result';
import { invalidPortMessage, probeTcp } from './tcp-probe';

export function portOpen(host: string, port: number, timeoutMs: number): Promise<CheckResult> {
  return timedCheck(`port ${host}:${port} is open`, async () => {
    const probe = await probeTcp(host, port, timeoutMs);
    const expected = `expected ${host}:${port} to accept a TCP connection`;
    switch (probe.kind) {
      case 'invalid-port':
        return { ok: false, message: invalidPortMessage(port) };
      case 'connected':
        return { ok: true, message: `${host}:${port} accepted a TCP connection` };
      case 'timeout':
        return { ok: false, message: `${expected}, found no answer within ${timeoutMs}ms` };
      case 'failed':
        return { ok: false, message: `${expected}, found ${probe.reason}` };
    }
  });
}
