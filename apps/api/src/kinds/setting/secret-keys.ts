import { randomBytes } from 'node:crypto';
import { chmod, link, readFile, unlink, writeFile } from 'node:fs/promises';
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
  const existing = await readKeyFile(file);
  if (existing) return { current: existing, previous };
  const key = randomBytes(32);
  // Written whole under a name of its own, then linked into place: link refuses an existing name,
  // so of processes starting at once one key wins, and no reader ever sees a partly written file.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(draft, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await unlink(draft).catch(() => undefined);
  }
  const winner = await readKeyFile(file);
  if (!winner) throw new Error(`the key file ${file} vanished while it was being created`);
  if (winner.equals(key)) {
    notice(
      `generated a secret key in ${file} (mode 0600) to encrypt secret settings; back it up with the data directory, or set SLIPWAY_SECRET_KEY to choose your own`,
    );
  }
  return { current: winner, previous };
}

/** The data directory's key, or null when there is none yet; a file not holding one is refused. */
async function readKeyFile(file: string): Promise<Buffer | null> {
  const stored = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (stored === null) return null;
  const key = Buffer.from(stored.trim(), 'base64');
  if (key.length !== 32) {
    throw new ConfigError(
      'SLIPWAY_SECRET_KEY',
      `is not set, and the key file ${file} does not hold 32 bytes in base64`,
    );
  }
  await chmod(file, 0o600);
  return key;
}
