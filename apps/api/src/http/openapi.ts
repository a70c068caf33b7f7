import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export const API_VERSION = '0.1.0';

/** The OpenAPI 3.1 document at /openapi.json and the endpoint browser at /docs, both from the route schemas. */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Slipway',
        version: API_VERSION,
        description:
          'Bake images and walk every resource through its state machine, with every state change recorded. Send `Authorization: Bearer <token>`; errors are application/problem+json with a stable `code`; every POST honours `Idempotency-Key`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'images', description: 'Baked machine images.' },
        { name: 'runs', description: 'Requests to move a resource to a target state.' },
        { name: 'audit', description: 'The transition log.' },
        { name: 'kinds', description: 'Resource kinds and their state machines.' },
        { name: 'health', description: 'Liveness and readiness.' },
      ],
    },
  });
  // Encapsulated so that only the docs plugin's own routes are marked public.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
  app.get('/openapi.json', { schema: { hide: true, security: [] } }, async () => app.swagger());
}
