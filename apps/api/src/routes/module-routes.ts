import type { KindCollections, KindRegistry, ResourceService } from '@slipway/domain';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../http/authentication';
import type { KindModule } from '../kinds/kind-module';

/**
 * The extra routes kind modules declare, each in a scope prefixed `/v1/{plural}` so a module can
 * only add below its own kind. Registered after the generic routes, which a module cannot replace.
 */
export async function registerModuleRoutes(
  app: FastifyInstance,
  modules: readonly Pick<KindModule, 'kind' | 'routes'>[],
  kinds: KindRegistry,
  service: ResourceService,
  collections: KindCollections,
): Promise<void> {
  for (const module of modules) {
    const routes = module.routes;
    if (!routes) continue;
    const kind = kinds.get(module.kind.name);
    await app.register(async (scope) => routes(scope, { kind, service, principalOf, collections }), {
      prefix: `/v1/${kind.definition.plural}`,
    });
  }
}
