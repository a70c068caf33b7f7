import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretKeys } from '@slipway/ops';
import { ConfigError, type SlipwayConfig } from '../../config';

export const SECRET_KEY_FILE = 'secret.key';

/**
 * The keys secrets are sealed under. SLIPWAY_SECRET_KEY when set; on the embedded default without
 * it, a key file in the data directory (generated, 0600, at the first start, and said so once);
 * a MongoDB deployment without it refuses to start, since its processes may not share a disk.
 */
export async function loadSecretKeys(
  config: SlipwayConfig,
  notice: (line: string) => void,
): Promise<SecretKeys> {
  const previous = config.previousSecretKey;
  if (config.secretKey) return { current: config.secretKey, previous };
  if (config.mongoUrl) {
    throw new ConfigError(
      'SLIPWAY_SECRET_KEY',
      'is not set; with MONGO_URL every API and worker process needs the same key to encrypt and read secrets. Set it to 32 random bytes in base64 (`openssl rand -base64 32`)',
    );
  }
  const file = join(config.dataDir, SECRET_KEY_FILE);
  const stored = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (stored !== null) {
    const key = Buffer.from(stored.trim(), 'base64');
    if (key.length !== 32) {
      throw new ConfigError(
        'SLIPWAY_SECRET_KEY',
        `is not set, and the key file ${file} does not hold 32 bytes in base64`,
      );
    }
    await chmod(file, 0o600);
    return { current: key, previous };
  }
  const key = randomBytes(32);
  // wx: two processes starting at once must not each write a key of their own.
  await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch(
    async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
  const winner = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  if (winner.equals(key)) {
    notice(
      `generated a secret key in ${file} (mode 0600) to encrypt secret settings; back it up with the data directory, or set SLIPWAY_SECRET_KEY to choose your own`,
    );
  }
  return { current: winner, previous };
}
