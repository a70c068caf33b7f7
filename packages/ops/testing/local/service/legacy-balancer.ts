import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { baseEnv } from '../../../src/local/base-env';
import { balancerProgramArgs } from '../../../src/local/cluster/balancer-program';
import { freePort } from '../../../src/local/cluster/free-port';
import { BALANCER_DIR_ENV } from '../../../src/local/cluster/marked-processes';
import { spawnDetached } from '../../../src/local/cluster/spawn-detached';

/** What a Slipway before services were resources left for a service: its balancer and record. */
export interface LegacyBalancer {
  recordFile: string;
  url: string;
  port: number;
  pid: number;
}

/**
 * Starts a service's balancer and writes its record the way a cluster's first promote did before
 * services were resources (`services/<name>/balancer.json`, written by hand here in that format,
 * not through the current code), serving `upstreams` of `clusterId`. `portFrom` says whether a
 * cluster named the port (`spec`) or a free one was picked.
 */
export async function startLegacyBalancer(
  dataDir: string,
  service: string,
  served: { port: number; portFrom: 'spec' | 'picked'; clusterId: string | null; upstreams: string[] },
): Promise<LegacyBalancer> {
  const serviceDir = join(dataDir, 'services', service);
  await mkdir(serviceDir, { recursive: true });
  const adminPort = await freePort();
  const token = randomBytes(32).toString('hex');
  const logFile = join(serviceDir, 'balancer.log');
  const state = { clusterId: served.clusterId, upstreams: served.upstreams, generation: 1 };
  const pid = await spawnDetached({
    command: process.execPath,
    args: balancerProgramArgs(),
    cwd: serviceDir,
    env: baseEnv({
      [BALANCER_DIR_ENV]: serviceDir,
      SLIPWAY_BALANCER_SERVICE: service,
      SLIPWAY_BALANCER_HOST: '127.0.0.1',
      SLIPWAY_BALANCER_PORT: String(served.port),
      SLIPWAY_BALANCER_ADMIN_PORT: String(adminPort),
      SLIPWAY_BALANCER_TOKEN: token,
      SLIPWAY_BALANCER_STATE: JSON.stringify(state),
    }),
    logFile,
  });
  const recordFile = join(serviceDir, 'balancer.json');
  const record = {
    service,
    host: '127.0.0.1',
    port: served.port,
    portFrom: served.portFrom,
    adminPort,
    token,
    pid,
    startedAt: new Date().toISOString(),
    logFile,
    clusterId: served.clusterId,
    upstreams: served.upstreams,
    generation: 1,
    previous: null,
  };
  await writeFile(recordFile, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  const url = `http://127.0.0.1:${served.port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) });
      return { recordFile, url, port: served.port, pid };
    } catch (error) {
      if (attempt >= 100)
        throw new Error(`the legacy balancer of ${service} never answered: ${String(error)}`);
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}
