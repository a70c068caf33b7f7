// Entry point of a service's load balancer: a detached process started by the local cluster
// provider, configured through its environment, that outlives the API which started it.
import { startBalancer } from './balancer-server';
import type { UpstreamState } from './upstream-set';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`balancer: ${name} is not set; this program is started by the local cluster provider`);
    process.exit(2);
  }
  return value;
}

const service = required('SLIPWAY_BALANCER_SERVICE');
const host = required('SLIPWAY_BALANCER_HOST');
const port = Number(required('SLIPWAY_BALANCER_PORT'));
const adminPort = Number(required('SLIPWAY_BALANCER_ADMIN_PORT'));
const token = required('SLIPWAY_BALANCER_TOKEN');
const initial = JSON.parse(process.env.SLIPWAY_BALANCER_STATE ?? 'null') as UpstreamState | null;

try {
  const balancer = await startBalancer({
    service,
    host,
    port,
    adminPort,
    token,
    initial: initial ?? { clusterId: null, upstreams: [], generation: 0 },
    log: (line) => console.log(`${new Date().toISOString()} balancer for ${service}: ${line}`),
  });
  const { clusterId, upstreams, generation } = balancer.table.current;
  console.log(
    `balancer for ${service} (pid ${process.pid}) listening on http://${host}:${port}, admin on http://127.0.0.1:${adminPort}; generation ${generation}, cluster ${clusterId ?? 'none'}, upstreams ${upstreams.join(' ') || 'none'}`,
  );
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      console.log(`balancer for ${service}: ${signal}, closing`);
      void balancer.close(2000).then(() => process.exit(0));
    });
  }
} catch (error) {
  console.error(`balancer for ${service}: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
