import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../http/authentication';
import { problemResponses } from '../http/problem';
import { signedIn } from '../http/route-permission';

const Me = Type.Object(
  {
    name: Type.String({ description: 'The user, as every record it causes names its actor.' }),
    userId: Type.Union([Type.String(), Type.Null()]),
    tokenId: Type.Union([Type.String(), Type.Null()], { description: 'The token this request came with.' }),
    permissions: Type.Array(Type.String(), {
      description: 'What the caller may do: its roles expanded and its grants (`admin` holds everything).',
    }),
  },
  { description: 'Who the caller is and what it may do.' },
);

export function registerMeRoutes(app: FastifyInstance): void {
  app.get(
    '/v1/me',
    {
      config: { permission: signedIn('anyone may ask who they are') },
      schema: {
        operationId: 'getMe',
        summary: 'Who am I, and what may I do?',
        description:
          'The user the bearer token belongs to and its permissions. The first request with an invitation token activates the user, this one included.',
        tags: ['users'],
        response: { 200: Me, ...problemResponses(401, 429, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return {
        name: principal.id,
        userId: principal.userId ?? null,
        tokenId: principal.tokenId ?? null,
        permissions: [...principal.permissions],
      };
    },
  );
}
