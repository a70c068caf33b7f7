import { createHash, randomBytes } from 'node:crypto';
import {
  type InstallationStore,
  isSlipwayError,
  listAllOfKind,
  type Principal,
  type Resource,
  type ResourceService,
  type ResourceStore,
  type UserSpec,
  userKind,
} from '@slipway/domain';
import type { TokenRegistry } from './user-tokens';

/** Where Slipway before users kept the hash of its one admin token; still read, never rewritten. */
export const ADMIN_HASH_SETTING = 'auth.adminTokenHash';
export const ADMIN_USER = 'admin';
/** The installation acting on itself at first start; the same name the admin token always had. */
const BOOTSTRAP: Principal = { id: ADMIN_USER, permissions: ['admin'] };

export interface AdminBootstrap {
  user: Resource<UserSpec>;
  /** A token generated at this very first start, to be printed once; null otherwise. */
  generatedToken: string | null;
}

export async function findUserByName(store: ResourceStore, name: string): Promise<Resource<UserSpec> | null> {
  const named = (await listAllOfKind(store, userKind)).filter((user) => user.name === name);
  return named.find((user) => user.state !== 'deleted') ?? null;
}

/**
 * Makes the admin token of old the first admin user: the user `admin` (records that named the
 * actor `admin` before users existed name this user), active, with that token registered as one
 * of its API tokens. `SLIPWAY_ADMIN_TOKEN` wins when set; otherwise the hash an older Slipway
 * stored, or one generated now. Every step looks before it writes, so a crash or a second process
 * starting at the same time finishes the job instead of doing it twice.
 */
export async function bootstrapAdminUser(parts: {
  store: ResourceStore & InstallationStore;
  service: ResourceService;
  tokens: TokenRegistry;
  configuredToken: string | undefined;
  now: () => string;
}): Promise<AdminBootstrap> {
  const { store, service, tokens } = parts;
  let user = await findUserByName(store, ADMIN_USER);
  if (!user) {
    try {
      user = (await service.create(
        userKind.name,
        { name: ADMIN_USER, spec: { roles: ['admin'] }, labels: {} },
        BOOTSTRAP,
      )) as Resource<UserSpec>;
    } catch (error) {
      if (!(isSlipwayError(error) && error.code === 'name_taken')) throw error;
      user = await findUserByName(store, ADMIN_USER);
      if (!user) throw error;
    }
  }
  if (user.state === 'invited' && !user.activeRunId) {
    try {
      await service.recordEvent(
        userKind.name,
        user.id,
        {
          event: 'ACCEPT',
          to: 'active',
          reason: 'the first admin, made from the admin token at start',
          outputs: {},
        },
        BOOTSTRAP,
      );
    } catch (error) {
      // Another process starting now recorded it first.
      if (!(isSlipwayError(error) && error.code === 'run_conflict')) throw error;
    }
  }
  let generatedToken: string | null = null;
  let hash: string;
  if (parts.configuredToken) {
    hash = createHash('sha256').update(parts.configuredToken).digest('hex');
  } else {
    const candidate = `slw_${randomBytes(32).toString('base64url')}`;
    const candidateHash = createHash('sha256').update(candidate).digest('hex');
    hash = await store.setInstallationValueIfAbsent(ADMIN_HASH_SETTING, candidateHash);
    if (hash === candidateHash) generatedToken = candidate;
  }
  await tokens.register({
    hash,
    userId: user.id,
    name: parts.configuredToken ? 'SLIPWAY_ADMIN_TOKEN' : 'admin token (first start)',
    createdBy: ADMIN_USER,
    now: parts.now(),
  });
  return { user: ((await store.getResource(user.id)) as Resource<UserSpec> | null) ?? user, generatedToken };
}
