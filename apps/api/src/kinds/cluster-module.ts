import { clusterKind } from '@slipway/domain';
import { localClusterProvider } from '@slipway/ops';
import { clusterProviderGuard } from './cluster-provider-guard';
import { defineKindModule } from './kind-module';
import { pinnedView } from './setting/pinned-settings';

export const clusterModule = defineKindModule({
  kind: clusterKind,
  guards: ({ store }) => ({ spec: [clusterProviderGuard(store)] }),
  backends: {
    // The balancers are the services': their start-up restore is the service module's reconcile.
    local: ({ config, cwd, store }) => {
      const provider = localClusterProvider({
        dataDir: config.dataDir,
        cwd,
        getResource: (id) => store.getResource(id),
      });
      return {
        provider: {
          ...provider,
          // The settings the instances run with, and whether a launch now would pin others.
          observe: async (cluster) => ({
            ...(await provider.observe(cluster)),
            settings: await pinnedView(store, cluster),
          }),
        },
      };
    },
  },
});
