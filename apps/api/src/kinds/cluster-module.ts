import { clusterKind } from '@slipway/domain';
import { localClusterProvider } from '@slipway/ops';
import { defineKindModule } from './kind-module';

export const clusterModule = defineKindModule({
  kind: clusterKind,
  backends: {
    // The balancers are the services': their start-up restore is the service module's reconcile.
    local: ({ config, cwd, store }) => ({
      provider: localClusterProvider({
        dataDir: config.dataDir,
        cwd,
        getResource: (id) => store.getResource(id),
      }),
    }),
  },
});
