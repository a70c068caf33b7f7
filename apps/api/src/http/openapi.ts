import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { KindRegistry } from '@slipway/domain';
import type { FastifyInstance } from 'fastify';
import { SLIPWAY_ICON_SVG, SLIPWAY_LOGO_SVG } from './slipway-logo';

export const API_VERSION = '0.1.0';

interface Operation {
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
}

function admitsNull(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const { type, anyOf, oneOf } = schema as { type?: unknown; anyOf?: unknown; oneOf?: unknown };
  if (type === 'null' || (Array.isArray(type) && type.includes('null'))) return true;
  return [anyOf, oneOf].some((list) => Array.isArray(list) && list.some(admitsNull));
}

/**
 * The generator marks every request body required. A body schema that admits null is one the
 * server also takes absent (the JSON parser reads no body as none), so the document says so.
 */
function markOptionalBodies(paths: Record<string, Record<string, Operation>> | undefined): void {
  for (const item of Object.values(paths ?? {})) {
    for (const operation of Object.values(item)) {
      const body = operation.requestBody;
      const schemas = Object.values(body?.content ?? {}).map((media) => media.schema);
      if (body && schemas.length > 0 && schemas.every(admitsNull)) body.required = false;
    }
  }
}

/** The OpenAPI 3.1 document at /openapi.json and the endpoint browser at /docs, both from the route schemas. */
export async function installOpenApi(app: FastifyInstance, kinds: KindRegistry): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Slipway',
        version: API_VERSION,
        description:
          'Bake images and walk every resource through its state machine, with every state change recorded. Send `Authorization: Bearer <token>`; errors are application/problem+json with a stable `code`; every POST honours `Idempotency-Key`.',
      },
      // Relative: the server that serves this document, wherever it is reached.
      servers: [{ url: '/', description: 'The Slipway serving this document.' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        ...kinds.all().map(({ definition }) => ({
          name: definition.plural,
          description: `${definition.title}s: ${definition.description}`,
        })),
        { name: 'runs', description: 'Requests to move a resource to a target state.' },
        { name: 'audit', description: 'The transition log.' },
        { name: 'analytics', description: 'Deploy and bake time analytics from write-time rollups.' },
        { name: 'kinds', description: 'Resource kinds and their state machines.' },
        { name: 'health', description: 'Liveness and readiness.' },
      ],
    },
    transformObject: (documentObject) => {
      const document =
        'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject;
      markOptionalBodies(document.paths as Record<string, Record<string, Operation>> | undefined);
      return document;
    },
  });
  // Encapsulated so that only the docs plugin's own routes are marked public.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await docs.register(swaggerUi, {
      routePrefix: '/docs',
      theme: {
        title: 'Slipway API',
        favicon: [
          {
            filename: 'slipway.svg',
            rel: 'icon',
            type: 'image/svg+xml',
            sizes: 'any',
            content: SLIPWAY_ICON_SVG,
          },
        ],
      },
      logo: { type: 'image/svg+xml', content: SLIPWAY_LOGO_SVG, href: '/docs', target: '_self' },
    });
  });
  app.get('/openapi.json', { schema: { hide: true, security: [] } }, async () => app.swagger());
}
