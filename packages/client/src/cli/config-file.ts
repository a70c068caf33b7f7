import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

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

/** It holds a bearer token: 0600 from creation, and tightened if an older file was open. */
export async function writeLogin(path: string, login: SavedLogin): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}
