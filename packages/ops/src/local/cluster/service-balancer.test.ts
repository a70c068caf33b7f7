import { once } from 'node:events';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killEverythingUnder } from '../../../testing/local/cluster/kill-marked';
import { provisionService } from '../../../testing/local/service/service-context';
import { processRunning } from '../../verify/process-running';
import { replaceUpstreams } from './balancer/balancer-client';
import { adminUrl, readBalancerRecord } from './balancer-record';
import { servicePaths } from './cluster-paths';
import { ensureBalancer } from './service-balancer';

/** A real upstream the balancer forwards to. */
async function upstream(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ ok: true }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('expected a TCP address');
  return { server, origin: `http://127.0.0.1:${address.port}` };
}

describe('ensureBalancer', () => {
  let dataDir = '';
  let server: Server | undefined;
  beforeEach(async () => {
    dataDir = await realpath(await mkdtemp(join(tmpdir(), 'slipway-ensure-balancer-')));
  });
  afterEach(async () => {
    await killEverythingUnder(dataDir);
    server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps a healthy balancer that answers its admin port slowly, without a dropped request', async () => {
    const { server: up, origin } = await upstream();
    server = up;
    const url = await provisionService(dataDir, 'web');
    const paths = servicePaths(dataDir, 'web');
    const record = (await readBalancerRecord(paths.balancerFile))!;
    await replaceUpstreams(adminUrl(record), record.token, { clusterId: 'c1', upstreams: [origin] }, 2000);
    expect((await fetch(url, { signal: AbortSignal.timeout(3000) })).status).toBe(200);

    // A stopped process answers nothing, longer than the 1 s admin timeout; what reaches it meanwhile
    // waits in the kernel's backlog and is served once it runs again, unless it is killed.
    const lines: string[] = [];
    process.kill(record.pid, 'SIGSTOP');
    let resumed = false;
    const resume = () => {
      if (resumed) return;
      resumed = true;
      process.kill(record.pid, 'SIGCONT');
    };
    try {
      const during = Array.from({ length: 5 }, async () => {
        try {
          return (await fetch(url, { signal: AbortSignal.timeout(20_000) })).status;
        } catch (error) {
          return error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error);
        }
      });
      const ensured = ensureBalancer(
        'web',
        paths,
        { killGraceMs: 1000, startTimeoutMs: 5000, balancerHost: '127.0.0.1' },
        {
          port: record.port,
          portFrom: record.portFrom,
          log: (line) => lines.push(line),
        },
      );
      const timer = setTimeout(resume, 1500);
      const running = await ensured;
      clearTimeout(timer);
      resume();
      expect(await Promise.all(during)).toEqual([200, 200, 200, 200, 200]);
      expect(running.record.pid).toBe(record.pid);
      expect(running.state.upstreams).toEqual([origin]);
    } finally {
      resume();
    }
    expect(lines.join('\n')).not.toContain('stopped stale balancer');
    expect((await processRunning(record.pid)).ok).toBe(true);
    expect((await readBalancerRecord(paths.balancerFile))?.pid).toBe(record.pid);
    expect((await fetch(url, { signal: AbortSignal.timeout(3000) })).status).toBe(200);
  });
});
