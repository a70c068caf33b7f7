import { clusterKind, listAllOfKind } from '@slipway/domain';
import { localClusterProvider } from '@slipway/ops';
import { defineKindModule } from './kind-module';
import { pinnedView } from './setting/pinned-settings';

export const clusterModule = defineKindModule({
  kind: clusterKind,
  backends: {
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
        // Balancers are detached and normally still up; this re-attaches each live service to its
        // balancer (starting it again after a reboot) so traffic follows the store, not memory.
        async reconcile(context) {
          const live = await listAllOfKind(context.store, clusterKind, { state: 'live' });
          for (const outcome of await provider.restoreBalancers(live)) {
            context.log({ balancer: outcome }, 'service balancer restored');
          }
        },
      };
    },
  },
});
