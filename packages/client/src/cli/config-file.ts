import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export interface SavedLogin {
  url: string;
  token: string;
}

/** `$SLIPWAY_CONFIG`, else `$XDG_CONFIG_HOME/slipway/config.json`, else `~/.config/slipway/config.json`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SLIPWAY_CONFIG) return env.SLIPWAY_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'slipway', 'config.json');
}

export async function readLogin(path: string): Promise<Partial<SavedLogin>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { url, token } = parsed as Record<string, unknown>;
    return {
      ...(typeof url === 'string' ? { url } : {}),
      ...(typeof token === 'string' ? { token } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * It holds a bearer token, so the token is only ever written into a file created 0600 (`wx`: a new
 * file, whose mode no umask can widen) beside it, which is then renamed over it. Writing into the
 * existing file and tightening it afterwards would put the token, for a moment, into whatever mode
 * an older version or an editor left it with. Slipway's own directory (the default) is kept 0700;
 * a directory named by SLIPWAY_CONFIG is the user's, and is only created (0700) when missing.
 */
export async function writeLogin(
  path: string,
  login: SavedLogin,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  if (!env.SLIPWAY_CONFIG) await chmod(directory, 0o700);
  const temporary = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
