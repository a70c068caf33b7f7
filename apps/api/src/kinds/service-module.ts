import { listAllOfKind, serviceKind } from '@slipway/domain';
import { localServiceProvider } from '@slipway/ops';
import { defineKindModule } from './kind-module';
import { destroyGuard, destroyRecheckHook } from './service-destroy-guard';
import { freezePatch } from './service-freeze';
import { registerFreezeRoutes } from './service-freeze-routes';
import { frontDoorHook } from './service-front-door';
import { clusterServiceGuard, promoteGuard, servicePortGuard } from './service-guards';
import { clustersOf, promoteInFlight } from './service-lookup';
import { migrateServices } from './service-migration';

export const serviceModule = defineKindModule({
  kind: serviceKind,
  backends: {
    local: ({ config, cwd, store }) => {
      const provider = localServiceProvider({
        dataDir: config.dataDir,
        cwd,
        clustersOf: (service) => clustersOf(store, service),
      });
      return {
        provider,
        // Balancers are detached and normally still up. First the services named only by clusters
        // of an older Slipway become resources; then each active service's balancer runs on its
        // port and points at its live cluster again (started anew after a reboot).
        async reconcile(context) {
          await migrateServices(context, provider);
          for (const service of await listAllOfKind(context.store, serviceKind, { state: 'active' })) {
            // A promote cut short by the crash is resumed by recovery and owns the balancer: the
            // store still calls its cluster promoting, so a restore now would point the balancer
            // away from the cluster the promote had already switched it to.
            const promoting = await promoteInFlight(context.store, service.name);
            if (promoting) {
              context.log(
                { service: service.name, cluster: promoting.cluster.id, run: promoting.runId },
                'service balancer left to the promote that recovery resumes',
              );
              continue;
            }
            context.log({ balancer: await provider.restore(service.name) }, 'service balancer restored');
          }
        },
      };
    },
  },
  routes: (scope, context) => registerFreezeRoutes(scope, context),
  patch: freezePatch,
  hooks: ({ store }) => [frontDoorHook(store), destroyRecheckHook(store)],
  guards: ({ ownPorts, store }) => ({
    spec: [servicePortGuard(store, () => ownPorts.list()), clusterServiceGuard(store, () => ownPorts.list())],
    run: [promoteGuard(store), destroyGuard(store)],
  }),
});
