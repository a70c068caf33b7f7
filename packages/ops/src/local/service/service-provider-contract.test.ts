import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceKind } from '@slipway/domain';
import { expect } from 'vitest';
import { killEverythingUnder } from '../../../testing/local/cluster/kill-marked';
import { testServiceProvider } from '../../../testing/local/service/service-context';
import { describeProviderContract } from '../../../testing/provider-contract';
import { portClosed } from '../../verify/port-closed';
import { portOpen } from '../../verify/port-open';
import { readBalancerRecord } from '../cluster/balancer-record';
import { servicePaths } from '../cluster/cluster-paths';
import { BALANCER_DIR_ENV, findMarkedProcesses } from '../cluster/marked-processes';

async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('expected a TCP address');
  return { port: address.port, server };
}

describeProviderContract({
  name: 'local service provider',
  kind: serviceKind,
  async open() {
    const dataDir = await realpath(await mkdtemp(join(tmpdir(), 'slipway-service-contract-')));
    const provider = testServiceProvider(dataDir);
    // A port something else listens on: the balancer starts, cannot bind, and provisioning must say so.
    const held = await holdPort();
    const balancers = (name: string) =>
      findMarkedProcesses(BALANCER_DIR_ENV, (value) => value === servicePaths(dataDir, name).serviceDir);
    return {
      provider,
      spec: {},
      path: [
        { step: 'provision', state: 'provisioning' },
        { step: 'verify', state: 'active' },
        { step: 'repair', state: 'active' },
        { step: 'destroy', state: 'destroying' },
      ],
      async unmet(step, resource) {
        const record = await readBalancerRecord(servicePaths(dataDir, resource.name).balancerFile).catch(
          () => null,
        );
        const running = await balancers(resource.name);
        if (step === 'destroy') {
          return [
            ...running.map((process) => `balancer pid ${process.pid} still runs`),
            ...(record ? [`the balancer record of ${resource.name} is still there`] : []),
          ];
        }
        if (!record) return [`no balancer record for ${resource.name}`];
        const problems = running.length === 1 ? [] : [`${running.length} balancer processes run, not 1`];
        const open = await portOpen('127.0.0.1', record.port, 1000);
        if (!open.ok) problems.push(open.message);
        return problems;
      },
      footprint: async (resource) =>
        (await balancers(resource.name)).map((process) => `balancer pid ${process.pid}`),
      unprovable: { step: 'provision', spec: { provider: { type: 'local' as const, port: held.port } } },
      slow: { step: 'provision', spec: {} },
      async secrets(resource) {
        const record = await readBalancerRecord(servicePaths(dataDir, resource.name).balancerFile).catch(
          () => null,
        );
        return record ? [record.token] : [];
      },
      async close() {
        await new Promise((done) => held.server.close(done));
        await killEverythingUnder(dataDir);
        expect((await portClosed('127.0.0.1', held.port, 1000)).ok).toBe(true);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
});
