import { isSlipwayError, type Principal, type Resource, SlipwayError, type UserSpec } from '@slipway/domain';
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { principalOf } from '../../http/authentication';
import { problemResponses } from '../../http/problem';
import type { RoutePermission } from '../../http/route-permission';
import type { RouteContext } from '../kind-module';
import { userRuntimeOf } from './user-runtime';
import type { UserToken } from './user-tokens';

/** Invitations expire: an unused one should not open the door a month later. */
const INVITATION_DAYS = 7;

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'The user id.' }) });
const TokenParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, description: 'The user id.' }),
  tokenId: Type.String({ minLength: 1, maxLength: 64, description: 'The token id.' }),
});
const Nullable = (description: string) =>
  Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description });

export const TokenEntity = Type.Object(
  {
    id: Type.String(),
    userId: Type.String(),
    name: Type.String({ description: 'What the token is for ("ci-deploy").' }),
    purpose: Type.Union([Type.Literal('api'), Type.Literal('invitation')]),
    createdAt: Type.String({ format: 'date-time' }),
    createdBy: Type.String({ description: 'Who issued it.' }),
    expiresAt: Nullable('After this instant the token is refused; null: it does not expire.'),
    revokedAt: Nullable('When it was revoked; null while it works.'),
    revokedBy: Type.Union([Type.String(), Type.Null()], { description: 'Who revoked it.' }),
    lastUsedAt: Nullable('When it was last used, to within a minute.'),
  },
  { description: 'An API token, never with its secret.' },
);
const IssuedToken = Type.Object({
  token: TokenEntity,
  secret: Type.String({ description: 'The bearer token itself. Shown this once: only its hash is kept.' }),
});
const TokenList = Type.Object({ items: Type.Array(TokenEntity) });
const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, examples: ['ci-deploy'] }),
    expiresAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'When the token stops working; it never does if left out.',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * A token event on the audit trail: an instant run on the user (ISSUE_TOKEN, REVOKE_TOKEN) naming
 * who did it. The route's permission was checked; recording it is part of the act, so the actor
 * gets `user:transition` for this record only.
 */
async function recordTokenEvent(
  service: RouteContext['service'],
  user: Resource<UserSpec>,
  event: 'ISSUE_TOKEN' | 'REVOKE_TOKEN',
  token: Pick<UserToken, 'id' | 'name' | 'purpose' | 'expiresAt'>,
  principal: Principal,
): Promise<void> {
  await service.recordEvent(
    'user',
    user.id,
    {
      event,
      to: user.state,
      reason: null,
      outputs: { tokenId: token.id, name: token.name, purpose: token.purpose, expiresAt: token.expiresAt },
    },
    { ...principal, permissions: [...principal.permissions, 'user:transition'] },
  );
}

const SELF_OR_ADMIN: RoutePermission = { permission: 'user:admin', kind: 'user', self: true };

function toTokenEntity(token: UserToken): Static<typeof TokenEntity> {
  const { hash: _hash, ...shown } = token;
  return shown;
}

/**
 * A user's API tokens and invitation. A user manages its own tokens; `user:admin` manages anyone's.
 * Revoking forgets the token in this process at once; other API processes see it within a second.
 */
export function userRoutes(scope: FastifyInstance, context: RouteContext): void {
  const { service, collections } = context;
  const loadUser = async (id: string) => (await service.get('user', id, ADMIN_READER)) as Resource<UserSpec>;

  scope.post<{ Params: Static<typeof Params> }>(
    '/:id/invitation',
    {
      config: { permission: { permission: 'user:admin', kind: 'user' } },
      schema: {
        operationId: 'inviteUser',
        summary: 'Issue the one-time invitation token of an invited user',
        description: `For a user in state "invited": a token that works for one request, the first, which makes the user active (an ACCEPT transition with the user as its actor). Use that request to create the user's own API token (POST /v1/users/{id}/tokens). Issuing a new invitation revokes the earlier unused ones; it expires after ${INVITATION_DAYS} days.`,
        tags: ['users'],
        params: Params,
        response: { 201: IssuedToken, ...problemResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = await loadUser(request.params.id);
      if (user.state !== 'invited') {
        throw new SlipwayError('action_not_allowed', `User ${user.name} is ${user.state}, not invited.`, {
          state: user.state,
        });
      }
      const { tokens } = userRuntimeOf(collections);
      const now = new Date();
      for (const token of await tokens.list(user.id)) {
        if (token.purpose === 'invitation' && !token.revokedAt) {
          await tokens.revoke(user.id, token.id, principal.id, now.toISOString());
          await recordTokenEvent(service, user, 'REVOKE_TOKEN', token, principal);
        }
      }
      const invitation = {
        id: tokens.nextId(),
        name: 'invitation',
        purpose: 'invitation' as const,
        expiresAt: new Date(now.getTime() + INVITATION_DAYS * 86_400_000).toISOString(),
      };
      // Recorded before it exists: a crash in between leaves a record of a token that never worked,
      // never a working token without its record.
      await recordTokenEvent(service, user, 'ISSUE_TOKEN', invitation, principal);
      const issued = await tokens.issue({
        ...invitation,
        userId: user.id,
        createdBy: principal.id,
        now: now.toISOString(),
      });
      reply.code(201);
      return { token: toTokenEntity(issued.token), secret: issued.secret };
    },
  );

  scope.get<{ Params: Static<typeof Params> }>(
    '/:id/tokens',
    {
      config: { permission: SELF_OR_ADMIN },
      schema: {
        operationId: 'listUserTokens',
        summary: "List a user's tokens",
        description: 'Every token of the user, revoked and expired ones included, never with a secret.',
        tags: ['users'],
        params: Params,
        response: { 200: TokenList, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const user = await loadUser(request.params.id);
      const items = await userRuntimeOf(collections).tokens.list(user.id);
      return { items: items.map(toTokenEntity) };
    },
  );

  scope.post<{ Params: Static<typeof Params>; Body: Static<typeof CreateTokenBody> }>(
    '/:id/tokens',
    {
      config: { permission: SELF_OR_ADMIN },
      schema: {
        operationId: 'createUserToken',
        summary: 'Create an API token for a user',
        description:
          'Answers the secret this once (201); only its SHA-256 is stored. The token carries the permissions of its user, whatever they are when it is used. The user must be active.',
        tags: ['users'],
        params: Params,
        body: CreateTokenBody,
        response: { 201: IssuedToken, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = await loadUser(request.params.id);
      if (user.state !== 'active') {
        throw new SlipwayError(
          'action_not_allowed',
          `User ${user.name} is ${user.state}; tokens are for active users.`,
          {
            state: user.state,
          },
        );
      }
      const now = new Date();
      const { expiresAt } = request.body;
      if (expiresAt !== undefined && !(Date.parse(expiresAt) > now.getTime())) {
        throw new SlipwayError('validation_failed', '"expiresAt" must be a date-time in the future.');
      }
      const { tokens } = userRuntimeOf(collections);
      const planned = {
        id: tokens.nextId(),
        name: request.body.name,
        purpose: 'api' as const,
        expiresAt: expiresAt === undefined ? null : new Date(expiresAt).toISOString(),
      };
      await recordTokenEvent(service, user, 'ISSUE_TOKEN', planned, principal);
      const issued = await tokens.issue({
        ...planned,
        userId: user.id,
        createdBy: principal.id,
        now: now.toISOString(),
      });
      reply.code(201).header('location', `/v1/users/${user.id}/tokens/${issued.token.id}`);
      return { token: toTokenEntity(issued.token), secret: issued.secret };
    },
  );

  scope.delete<{ Params: Static<typeof TokenParams> }>(
    '/:id/tokens/:tokenId',
    {
      config: { permission: SELF_OR_ADMIN },
      schema: {
        operationId: 'revokeUserToken',
        summary: "Revoke one of a user's tokens",
        description:
          'The token stops working at once on this API process and within one second on every other; open run event streams using it end within the same bound. Answers the revoked token; revoking it again changes nothing.',
        tags: ['users'],
        params: TokenParams,
        response: { 200: TokenEntity, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const user = await loadUser(request.params.id);
      const { tokens, authenticator } = userRuntimeOf(collections);
      const alreadyRevoked = Boolean((await tokens.get(user.id, request.params.tokenId))?.revokedAt);
      const revoked = await tokens.revoke(
        user.id,
        request.params.tokenId,
        principal.id,
        new Date().toISOString(),
      );
      authenticator.forgetTokenHash(revoked.hash);
      // Revoked first, recorded second: a crash in between must not leave the token working.
      if (!alreadyRevoked) {
        await recordTokenEvent(service, user, 'REVOKE_TOKEN', revoked, principal).catch((error: unknown) => {
          // A run on the user (its deletion) holds the lock: the revocation stands, with revokedBy.
          if (!(isSlipwayError(error) && error.code === 'run_conflict')) throw error;
          request.log.warn(
            { tokenId: revoked.id },
            'token revoked while a run held the user; no REVOKE_TOKEN record',
          );
        });
      }
      return toTokenEntity(revoked);
    },
  );
}

/** The route's permission was checked before the handler; the user is read on its behalf. */
const ADMIN_READER = { id: 'slipway', permissions: ['user:read'] };
