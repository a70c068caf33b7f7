import { userKind } from '@slipway/domain';
import { userProvider } from '@slipway/ops';
import { monotonicFactory } from 'ulid';
import { defineKindModule } from './kind-module';
import { userRoutes } from './user/user-routes';
import { maybeUserRuntimeOf } from './user/user-runtime';
import { TokenRegistry, userTokenHashes, userTokens } from './user/user-tokens';

export const userModule = defineKindModule({
  kind: userKind,
  collections: [userTokens, userTokenHashes],
  backends: {
    local: ({ collections }) => {
      const tokens = new TokenRegistry(collections, monotonicFactory());
      return {
        provider: userProvider({
          revokeAll: (userId, actor) => tokens.revokeAll(userId, actor, new Date().toISOString()),
        }),
      };
    },
  },
  routes: userRoutes,
  // A run toward suspended or deleted shuts the user out from the moment it is requested (the
  // authenticator refuses a user with such a run): this process forgets the user's tokens now.
  guards: ({ collections }) => ({
    run: [
      {
        name: 'user-shut-out',
        kind: userKind.name,
        targets: ['suspended', 'deleted'],
        async check({ resource }) {
          maybeUserRuntimeOf(collections)?.authenticator.forgetUser(resource.id);
        },
      },
    ],
  }),
});
