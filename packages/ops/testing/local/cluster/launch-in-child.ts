// Plays the API in a test: a separate process that provisions a service, launches a cluster and promotes it, prints
// what it did as one JSON line, then idles until it is killed with SIGKILL, as an API can be.
import type { ClusterSpec, Resource } from '@slipway/domain';
import { localClusterProvider } from '../../../src/local/cluster/local-cluster-provider';
import { provisionService } from '../service/service-context';
import { clusterContext } from './cluster-context';

const dataDir = process.env.SLIPWAY_TEST_DATA_DIR!;
const image = JSON.parse(process.env.SLIPWAY_TEST_IMAGE!) as Resource;
const spec: ClusterSpec = { service: 'survivor', image: image.id, size: 2 };
const provider = localClusterProvider({
  dataDir,
  getResource: async (id) => (id === image.id ? image : null),
});

await provisionService(dataDir, 'survivor');
const launched = await provider.steps.launch!(clusterContext('clsurvivor', spec, 'launch'));
const promoted = launched.ok
  ? await provider.steps.promote!(clusterContext('clsurvivor', spec, 'promote'))
  : null;
console.log(JSON.stringify({ launched, promoted }));
setInterval(() => {}, 60_000);
