import { randomBytes } from 'node:crypto';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClusterSpec, clusterKind, type Resource } from '@slipway/domain';
import { afterAll, beforeAll } from 'vitest';
import { bakeHelloImage } from '../../../testing/local/cluster/hello-images';
import { killEverythingUnder } from '../../../testing/local/cluster/kill-marked';
import { provisionService } from '../../../testing/local/service/service-context';
import { describeProviderContract } from '../../../testing/provider-contract';
import { portOpen } from '../../verify/port-open';
import { readBalancerRecord } from './balancer-record';
import { clusterPaths, servicePaths } from './cluster-paths';
import { localClusterProvider } from './local-cluster-provider';
import { CLUSTER_DIR_ENV, findMarkedProcesses } from './marked-processes';

const SECRET_ENV = 'SLIPWAY_CONTRACT_SECRET';
const VERSION = '3.1.4';

let root = '';
const images = new Map<string, Resource>();

beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'slipway-cluster-contract-')));
  const good = await bakeHelloImage(join(root, 'images-data'), 'good', VERSION);
  images.set('good', good);
  // Starts and stays up but never opens its port: a launch cannot prove it, and takes a while.
  images.set('mute', { ...good, id: 'mute', spec: { ...good.spec, start: 'sleep 300' } });
});

afterAll(async () => {
  await killEverythingUnder(root);
  await rm(root, { recursive: true, force: true });
});

async function answers(url: string): Promise<string | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return ((await response.json()) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

let services = 0;

describeProviderContract({
  name: 'local cluster provider',
  kind: clusterKind,
  async open() {
    const dataDir = await mkdtemp(join(root, 'data-'));
    const secret = randomBytes(16).toString('hex');
    process.env[SECRET_ENV] = secret;
    services += 1;
    const service = `contract-${services}`;
    const provider = localClusterProvider({
      dataDir,
      getResource: async (id) => images.get(id) ?? null,
      killGraceMs: 1000,
      startTimeoutMs: 3000,
    });
    // The balancer is the service's: provisioned first, as the service kind does before a promote.
    await provisionService(dataDir, service);
    const spec = (image: string): ClusterSpec => ({ service, image, size: 2 });
    const instances = (id: string) =>
      findMarkedProcesses(CLUSTER_DIR_ENV, (value) => value === clusterPaths(dataDir, id).clusterDir);
    return {
      provider,
      spec: spec('good'),
      path: [
        { step: 'launch', state: 'launching' },
        { step: 'verify', state: 'verifying' },
        { step: 'promote', state: 'promoting' },
        { step: 'destroy', state: 'destroying' },
      ],
      async unmet(step, resource, outputs) {
        const running = await instances(resource.id);
        const listed = (outputs.instances ?? []) as { port: number; url: string }[];
        if (step === 'destroy') return running.map((process) => `instance pid ${process.pid} still runs`);
        const problems: string[] = [];
        if (step === 'launch') {
          if (running.length !== resource.spec.size) {
            problems.push(`${running.length} instance processes run, not ${resource.spec.size}`);
          }
          for (const { port } of listed) {
            const open = await portOpen('127.0.0.1', port, 1000);
            if (!open.ok) problems.push(open.message);
          }
        }
        if (step === 'verify') {
          for (const { url } of listed) {
            const version = await answers(url);
            if (version !== VERSION) problems.push(`${url} answers version ${version}`);
          }
        }
        if (step === 'promote') {
          const record = await readBalancerRecord(servicePaths(dataDir, service).balancerFile);
          const version = record ? await answers(`http://127.0.0.1:${record.port}/`) : null;
          if (version !== VERSION) problems.push(`the service's balancer answers version ${version}`);
        }
        return problems;
      },
      footprint: async (resource) =>
        (await instances(resource.id)).map((process) => `instance pid ${process.pid}`),
      unprovable: { step: 'launch', spec: spec('mute') },
      slow: { step: 'launch', spec: spec('mute') },
      async secrets() {
        const record = await readBalancerRecord(servicePaths(dataDir, service).balancerFile);
        return [secret, ...(record ? [record.token] : [])];
      },
      async close() {
        delete process.env[SECRET_ENV];
        await killEverythingUnder(dataDir);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
});
