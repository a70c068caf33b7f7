import { chmod, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { readLogin, writeLogin } from './config-file';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

it('slipway login replaces a 0644 config with a 0600 one, never writing the token into the 0644 file', async () => {
  const home = await mkdtemp(join(tmpdir(), 'slipway-config-'));
  dirs.push(home);
  const path = join(home, 'slipway', 'config.json');
  await writeLogin(path, { url: 'http://old', token: 'old-token' }, { XDG_CONFIG_HOME: home });
  // As an older version, an editor or a careless cp could leave it.
  await writeFile(path, '{"url":"http://old"}\n', { mode: 0o644 });
  await chmod(path, 0o644);
  await chmod(join(home, 'slipway'), 0o755);
  // Holding the world-readable file open shows what was ever written into it.
  const readable = await open(path, 'r');
  try {
    await writeLogin(path, { url: 'http://new', token: 'secret-token-1234' }, { XDG_CONFIG_HOME: home });
    expect((await readable.stat()).mode & 0o777).toBe(0o644);
    expect(await readable.readFile('utf8')).not.toContain('secret-token-1234');
  } finally {
    await readable.close();
  }
  // Mode first: only a file no one else can read may hold the token.
  expect((await stat(path)).mode & 0o777).toBe(0o600);
  expect(await readFile(path, 'utf8')).toContain('secret-token-1234');
  expect(await readLogin(path)).toEqual({ url: 'http://new', token: 'secret-token-1234' });
  expect((await stat(join(home, 'slipway'))).mode & 0o777).toBe(0o700);
  expect(await readdir(join(home, 'slipway'))).toEqual(['config.json']);
});
