import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { openEngine } from './engine';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('openEngine', () => {
  let root: string | undefined;
  afterEach(() => (root ? rm(root, { recursive: true, force: true }) : undefined));

  it('keeps the data directory private to its user, also one an older version created open', async () => {
    root = await mkdtemp(join(tmpdir(), 'slipway-engine-'));
    const fresh = join(root, 'fresh', 'data');
    const old = join(root, 'old');
    await mkdir(old);
    await chmod(old, 0o755);
    for (const dataDir of [fresh, old]) {
      const engine = await openEngine(loadConfig({ SLIPWAY_DATA_DIR: dataDir }));
      try {
        expect(await modeOf(dataDir)).toBe(0o700);
        expect(await modeOf(join(dataDir, 'db', 'data.mdb'))).toBe(0o600);
      } finally {
        await engine.store.close();
      }
    }
  });
});
