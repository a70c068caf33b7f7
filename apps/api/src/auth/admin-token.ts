import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { InstallationStore, Principal } from '@slipway/domain';

/** Turns a bearer token into a principal. Users and their tokens will plug in here. */
export interface Authenticator {
  authenticate(token: string): Promise<Principal | null>;
}

const ADMIN_HASH_SETTING = 'auth.adminTokenHash';
const ADMIN: Principal = { id: 'admin', permissions: ['admin'] };

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The single admin token of this installation. Only its hash is ever stored. */
export class AdminTokenAuthenticator implements Authenticator {
  private constructor(private readonly hash: Buffer) {}

  /**
   * `SLIPWAY_ADMIN_TOKEN` wins when set. Otherwise the first start generates a token, stores its
   * hash, and returns it in `generatedToken` to be printed once; later starts return none.
   */
  static async bootstrap(
    store: InstallationStore,
    configuredToken: string | undefined,
  ): Promise<{ authenticator: AdminTokenAuthenticator; generatedToken: string | null }> {
    if (configuredToken)
      return { authenticator: new AdminTokenAuthenticator(sha256(configuredToken)), generatedToken: null };
    const candidate = `slw_${randomBytes(32).toString('base64url')}`;
    const candidateHash = sha256(candidate).toString('hex');
    const stored = await store.setInstallationValueIfAbsent(ADMIN_HASH_SETTING, candidateHash);
    return {
      authenticator: new AdminTokenAuthenticator(Buffer.from(stored, 'hex')),
      generatedToken: stored === candidateHash ? candidate : null,
    };
  }

  async authenticate(token: string): Promise<Principal | null> {
    const presented = sha256(token);
    return presented.length === this.hash.length && timingSafeEqual(presented, this.hash) ? ADMIN : null;
  }
}
