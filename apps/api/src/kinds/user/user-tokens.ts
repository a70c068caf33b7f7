import { createHash, randomBytes } from 'node:crypto';
import {
  type CollectionEntry,
  isSlipwayError,
  type KindCollection,
  type KindCollections,
  SlipwayError,
} from '@slipway/domain';
import { type Static, Type } from 'typebox';

const Nullable = (schema: ReturnType<typeof Type.String>) => Type.Union([schema, Type.Null()]);

/** One token of a user, without its secret: only the secret's SHA-256 is kept, in `hash`. */
export const userTokens = {
  name: 'user.tokens',
  document: Type.Object(
    {
      id: Type.String(),
      userId: Type.String(),
      name: Type.String(),
      /** An invitation token works once: the request that activates its user. */
      purpose: Type.Union([Type.Literal('api'), Type.Literal('invitation')]),
      hash: Type.String(),
      createdAt: Type.String(),
      createdBy: Type.String(),
      expiresAt: Nullable(Type.String()),
      revokedAt: Nullable(Type.String()),
      revokedBy: Nullable(Type.String()),
      lastUsedAt: Nullable(Type.String()),
    },
    { additionalProperties: false },
  ),
};

/** The lookup from a presented token's hash to its token: the one read authentication starts with. */
export const userTokenHashes = {
  name: 'user.token-hashes',
  document: Type.Object({ userId: Type.String(), tokenId: Type.String() }, { additionalProperties: false }),
};

export type UserToken = Static<typeof userTokens.document>;

export function tokenHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** `last used` is written at most once a minute per token and process: reads must not become writes. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const tokenKey = (userId: string, tokenId: string) => `${userId}/${tokenId}`;

/**
 * The tokens of every user. A token's secret is shown once, when it is issued; the store holds
 * its SHA-256, so a lookup by hash finds it and a stolen store file opens nothing.
 */
export class TokenRegistry {
  private readonly tokens: KindCollection<UserToken>;
  private readonly hashes: KindCollection<Static<typeof userTokenHashes.document>>;

  constructor(
    collections: KindCollections,
    private readonly newId: () => string,
  ) {
    this.tokens = collections.collection(userTokens);
    this.hashes = collections.collection(userTokenHashes);
  }

  /** An id for a token about to be issued, so its audit record can come first. */
  nextId(): string {
    return this.newId();
  }

  /** A new secret for the user; the caller shows it once. */
  async issue(input: {
    id?: string;
    userId: string;
    name: string;
    purpose: UserToken['purpose'];
    expiresAt: string | null;
    createdBy: string;
    now: string;
  }): Promise<{ token: UserToken; secret: string }> {
    const secret = `slw_${randomBytes(32).toString('base64url')}`;
    const hash = tokenHash(secret);
    const token: UserToken = {
      id: input.id ?? this.newId(),
      userId: input.userId,
      name: input.name,
      purpose: input.purpose,
      hash,
      createdAt: input.now,
      createdBy: input.createdBy,
      expiresAt: input.expiresAt,
      revokedAt: null,
      revokedBy: null,
      lastUsedAt: null,
    };
    // The hash first: a crash before the token leaves a hash that leads nowhere (refused), never a
    // listed token whose secret would not work.
    await this.hashes.insert(hash, { userId: token.userId, tokenId: token.id });
    await this.tokens.insert(tokenKey(token.userId, token.id), token);
    return { token, secret };
  }

  /**
   * Registers a secret that already exists (the admin token from before users) under its hash, once:
   * again after a crash between the two writes, and not twice when two processes start together.
   */
  async register(input: {
    hash: string;
    userId: string;
    name: string;
    createdBy: string;
    now: string;
  }): Promise<void> {
    let pointer = await this.hashes.get(input.hash);
    if (!pointer) {
      try {
        pointer = await this.hashes.insert(input.hash, { userId: input.userId, tokenId: this.newId() });
      } catch (error) {
        if (!(isSlipwayError(error) && error.code === 'version_conflict')) throw error;
        pointer = await this.hashes.get(input.hash);
        if (!pointer) throw error;
      }
    }
    const { userId, tokenId } = pointer.doc;
    if (await this.tokens.get(tokenKey(userId, tokenId))) return;
    try {
      await this.tokens.insert(tokenKey(userId, tokenId), {
        id: tokenId,
        userId,
        name: input.name,
        purpose: 'api',
        hash: input.hash,
        createdAt: input.now,
        createdBy: input.createdBy,
        expiresAt: null,
        revokedAt: null,
        revokedBy: null,
        lastUsedAt: null,
      });
    } catch (error) {
      if (!(isSlipwayError(error) && error.code === 'version_conflict')) throw error;
    }
  }

  async byHash(hash: string): Promise<CollectionEntry<UserToken> | null> {
    const pointer = await this.hashes.get(hash);
    if (!pointer) return null;
    const entry = await this.tokens.get(tokenKey(pointer.doc.userId, pointer.doc.tokenId));
    return entry && entry.doc.hash === hash ? entry : null;
  }

  async get(userId: string, tokenId: string): Promise<UserToken | null> {
    return (await this.tokens.get(tokenKey(userId, tokenId)))?.doc ?? null;
  }

  async hasHash(hash: string): Promise<boolean> {
    return (await this.hashes.get(hash)) !== null;
  }

  async list(userId: string): Promise<UserToken[]> {
    const found: UserToken[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.tokens.list({
        prefix: `${userId}/`,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      });
      found.push(...page.items.map((entry) => entry.doc));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return found;
  }

  /** Revokes one token; revoking a revoked token answers it as it is. */
  async revoke(userId: string, tokenId: string, actor: string, now: string): Promise<UserToken> {
    for (;;) {
      const entry = await this.tokens.get(tokenKey(userId, tokenId));
      if (!entry) throw new SlipwayError('resource_not_found', `The user has no token "${tokenId}".`);
      if (entry.doc.revokedAt) return entry.doc;
      try {
        const doc = { ...entry.doc, revokedAt: now, revokedBy: actor };
        await this.tokens.replace(entry.key, entry.version, doc);
        return doc;
      } catch (error) {
        // A `last used` write got in between: read it again and revoke that.
        if (!(isSlipwayError(error) && error.code === 'version_conflict')) throw error;
      }
    }
  }

  async revokeAll(userId: string, actor: string, now: string): Promise<number> {
    let revoked = 0;
    for (const token of await this.list(userId)) {
      if (token.revokedAt) continue;
      await this.revoke(userId, token.id, actor, now);
      revoked += 1;
    }
    return revoked;
  }

  /** Notes the use, unless it was noted within the last minute; a lost race is no loss. */
  async noteUse(entry: CollectionEntry<UserToken>, now: Date): Promise<void> {
    const last = entry.doc.lastUsedAt ? Date.parse(entry.doc.lastUsedAt) : 0;
    if (now.getTime() - last < LAST_USED_RESOLUTION_MS) return;
    try {
      await this.tokens.replace(entry.key, entry.version, { ...entry.doc, lastUsedAt: now.toISOString() });
    } catch (error) {
      if (!(isSlipwayError(error) && error.code === 'version_conflict')) throw error;
    }
  }
}
