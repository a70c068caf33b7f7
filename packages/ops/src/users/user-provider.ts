import { type ProviderFor, succeeded, type userKind } from '@slipway/domain';

/** What the user provider needs from where tokens are kept. */
export interface UserTokenRevoker {
  /** Revokes every token of the user that is not revoked yet; returns how many. */
  revokeAll(userId: string, actor: string): Promise<number>;
}

/**
 * Users live in Slipway's own store, so one provider serves every backend. Authentication reads
 * the user's state (and a run on its way to `suspended` or `deleted`), so suspending needs no work
 * here; deleting also revokes the tokens, so they stay dead even if a deleted name comes back.
 */
export function userProvider(tokens: UserTokenRevoker): ProviderFor<typeof userKind> {
  return {
    backend: 'local',
    steps: {
      async activate({ resource, log }) {
        log(`${resource.name} may sign in again with its unrevoked tokens`);
        return succeeded({});
      },
      async suspend({ resource, log }) {
        log(`${resource.name}'s tokens are refused while it is suspended`);
        return succeeded({});
      },
      async delete({ resource, run, log }) {
        const revoked = await tokens.revokeAll(resource.id, run.requestedBy);
        log(`${revoked} token(s) of ${resource.name} revoked`);
        return succeeded({ revokedTokens: revoked });
      },
    },
  };
}
