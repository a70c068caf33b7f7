import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BindingError } from '@slipway/domain';
import { Type } from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { openEngine } from './engine';
import { KIND_MODULES } from './kinds/index';

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

  it('refuses, naming the kind, a module without the chosen backend or with a collection named outside its kind', async () => {
    root = await mkdtemp(join(tmpdir(), 'slipway-engine-'));
    const config = loadConfig({ SLIPWAY_DATA_DIR: root });
    await expect(openEngine(config, { backend: 'ec2' })).rejects.toThrow(
      new BindingError([
        'image: no "ec2" provider',
        'cluster: no "ec2" provider',
        'service: no "ec2" provider',
        'setting: no "ec2" provider',
        'user: no "ec2" provider',
      ]),
    );
    const [image, cluster] = KIND_MODULES;
    const owning = {
      ...image!,
      collections: [{ name: 'cluster.labels', document: Type.Object({ label: Type.String() }) }],
    };
    await expect(openEngine(config, { modules: [owning, cluster!] })).rejects.toThrow(
      new BindingError(['image: collection "cluster.labels" must be named image.<name>']),
    );
    // The store it opened is closed again: the next open of the same data directory works.
    const engine = await openEngine(config);
    await engine.store.close();
  });
});
