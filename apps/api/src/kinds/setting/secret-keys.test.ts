import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config';
import { loadSecretKeys } from './secret-keys';

describe('loadSecretKeys', () => {
  let dir: string | undefined;
  afterEach(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('generates a 0600 key file on the embedded default, says so once, and reads it back after', async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-keys-'));
    const notices: string[] = [];
    const config = loadConfig({ SLIPWAY_DATA_DIR: dir });
    const first = await loadSecretKeys(config, (line) => notices.push(line));
    const again = await loadSecretKeys(config, (line) => notices.push(line));
    expect(first.current).toHaveLength(32);
    expect(again.current.equals(first.current)).toBe(true);
    expect((await stat(join(dir, 'secret.key'))).mode & 0o777).toBe(0o600);
    expect(notices).toEqual([
      expect.stringContaining(`generated a secret key in ${join(dir, 'secret.key')}`),
    ]);
  });

  it('gives processes starting at once on a fresh data directory one whole key, never a partly written file', async () => {
    for (let round = 0; round < 20; round++) {
      dir = await mkdtemp(join(tmpdir(), 'slipway-keys-'));
      const config = loadConfig({ SLIPWAY_DATA_DIR: dir });
      const loads = await Promise.allSettled(
        Array.from({ length: 8 }, () => loadSecretKeys(config, () => undefined)),
      );
      const keys = loads.map((load) => (load.status === 'fulfilled' ? load.value.current : load.reason));
      for (const key of keys) expect(Buffer.isBuffer(key) && key.length).toBe(32);
      expect(new Set(keys.map((key: Buffer) => key.toString('base64'))).size).toBe(1);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a MongoDB deployment without SLIPWAY_SECRET_KEY, naming the variable', async () => {
    const config = loadConfig({ MONGO_URL: 'mongodb://127.0.0.1:1/x' });
    const refusal = await loadSecretKeys(config, () => undefined).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ConfigError);
    expect((refusal as ConfigError).variable).toBe('SLIPWAY_SECRET_KEY');
  });

  it('takes the configured keys, and refuses one that is not 32 bytes of base64', async () => {
    const key = Buffer.alloc(32, 1).toString('base64');
    const previous = Buffer.alloc(32, 2).toString('base64');
    const keys = await loadSecretKeys(
      loadConfig({
        MONGO_URL: 'mongodb://127.0.0.1:1/x',
        SLIPWAY_SECRET_KEY: key,
        SLIPWAY_SECRET_KEY_PREVIOUS: previous,
      }),
      () => undefined,
    );
    expect(keys.current.toString('base64')).toBe(key);
    expect(keys.previous?.toString('base64')).toBe(previous);
    expect(() => loadConfig({ SLIPWAY_SECRET_KEY: 'c2hvcnQ=' })).toThrow(
      'SLIPWAY_SECRET_KEY: must be 32 bytes in base64',
    );
    expect(() => loadConfig({ SLIPWAY_SECRET_KEY_PREVIOUS: 'x'.repeat(44) })).toThrow(
      'SLIPWAY_SECRET_KEY_PREVIOUS',
    );
  });
});
