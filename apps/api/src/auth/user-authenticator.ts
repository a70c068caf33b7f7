import {
  isSlipwayError,
  type KindRegistry,
  type Principal,
  permissionsOfUser,
  type Resource,
  type ResourceService,
  type ResourceStore,
  type RunStore,
  type UserSpec,
  userKind,
} from '@slipway/domain';
import { type TokenRegistry, tokenHash } from '../kinds/user/user-tokens';
import { VerifiedTokenCache } from './verified-token-cache';

/** Turns a bearer token into a principal, or null for a token that does not (or no longer) work. */
export interface Authenticator {
  authenticate(token: string): Promise<Principal | null>;
}

/** Targets of a run that shuts a user out from the moment it is requested, not when it ends. */
const SHUTTING_OUT = ['suspended', 'deleted'];

export interface UserAuthenticatorOptions {
  tokens: TokenRegistry;
  store: ResourceStore & RunStore;
  kinds: KindRegistry;
  service: ResourceService;
  now?: () => Date;
  cache?: VerifiedTokenCache;
}

/**
 * Users' API tokens: looked up by their SHA-256 (so no secret is compared byte by byte), believed
 * for at most `VERIFIED_TOKEN_TTL_MS` after the store said yes. A token works while it is not
 * revoked or expired and its user is active with no run on its way to suspended or deleted. An
 * invitation token works once, on the request that activates its invited user.
 */
export class UserAuthenticator implements Authenticator {
  readonly cache: VerifiedTokenCache;

  constructor(private readonly options: UserAuthenticatorOptions) {
    this.cache = options.cache ?? new VerifiedTokenCache();
  }

  private now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  async authenticate(token: string): Promise<Principal | null> {
    const hash = tokenHash(token);
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const readAt = this.now();
    const entry = await this.options.tokens.byHash(hash);
    if (!entry) return null;
    const found = entry.doc;
    if (found.revokedAt) return null;
    if (found.expiresAt && Date.parse(found.expiresAt) <= readAt.getTime()) return null;
    const user = await this.options.store.getResource(found.userId);
    if (!user || user.kind !== userKind.name) return null;
    let principal = this.principalOf(user as Resource<UserSpec>, found.id);
    if (found.purpose === 'invitation') {
      if (user.state !== 'invited') return null;
      const accepted = await this.accept(user as Resource<UserSpec>, found.id);
      if (!accepted) return null;
      principal = accepted;
    } else if (user.state !== 'active' || (await this.shuttingOut(user))) {
      return null;
    } else {
      this.cache.set(hash, principal, readAt.getTime());
    }
    // Bookkeeping: a failed write of `last used` must not refuse a valid token.
    await this.options.tokens.noteUse(entry, readAt).catch(() => {});
    return principal;
  }

  /** The process that suspends, deletes or revokes forgets at once; the others within the TTL. */
  forgetUser(userId: string): void {
    this.cache.forgetUser(userId);
  }

  forgetTokenHash(hash: string): void {
    this.cache.forgetToken(hash);
  }

  principalOf(user: Resource<UserSpec>, tokenId?: string): Principal {
    const kindNames = this.options.kinds.all().map((kind) => kind.definition.name);
    return {
      id: user.name,
      userId: user.id,
      ...(tokenId ? { tokenId } : {}),
      permissions: permissionsOfUser(user.spec, kindNames),
    };
  }

  private async shuttingOut(user: Resource): Promise<boolean> {
    if (!user.activeRunId) return false;
    const run = await this.options.store.getRun(user.activeRunId);
    return run !== null && run.target !== null && SHUTTING_OUT.includes(run.target);
  }

  /**
   * The invitation's first use: the user becomes active, with itself as the actor, and the
   * invitation is spent. Of two first requests at once, one records the change and the other is
   * refused (its run conflicts, or the user is no longer invited).
   */
  private async accept(user: Resource<UserSpec>, tokenId: string): Promise<Principal | null> {
    const principal = this.principalOf(user, tokenId);
    try {
      // The acceptance is the user's own act; the service checks `user:transition`, which only
      // this path may skip, so it is handed a principal holding it under the user's name.
      await this.options.service.recordEvent(
        userKind.name,
        user.id,
        {
          event: 'ACCEPT',
          to: 'active',
          reason: 'invitation accepted',
          outputs: { invitationTokenId: tokenId },
        },
        { id: user.name, userId: user.id, permissions: ['user:transition'] },
      );
    } catch (error) {
      if (isSlipwayError(error) && ['run_conflict', 'unreachable_target'].includes(error.code)) return null;
      throw error;
    }
    await this.options.tokens.revoke(user.id, tokenId, user.name, this.now().toISOString());
    return principal;
  }
}
