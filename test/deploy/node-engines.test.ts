import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * `npm install` warns EBADENGINE when an installed package's `engines.node` refuses the running
 * Node. The lockfile records every package's `engines`, so the promise "no warning on a supported
 * version" is checked here for the lowest version of each supported line, on any machine.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(resolve(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; version?: string }>;
};
const supported = new semver.Range(manifest.engines.node);
/** The lowest version of each `||` alternative of engines.node: 22.x.0, 24.0.0. */
const lowest = supported.set.map(
  (comparators) => semver.minVersion(new semver.Range(comparators.map((c) => c.value).join(' ')))!.version,
);

describe('engines', () => {
  it('supports Node 22 and 24 LTS and nothing older', () => {
    expect(lowest.map((version) => semver.major(version))).toEqual([22, 24]);
    expect(semver.satisfies('24.19.0', supported)).toBe(true);
    expect(semver.satisfies('20.20.2', supported)).toBe(false);
  });

  it.each(lowest)('no locked package refuses Node %s (no EBADENGINE on install)', (version) => {
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, entry]) => {
        const wanted = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        return wanted && !semver.satisfies(version, wanted) ? [`${path}@${entry.version}: ${wanted}`] : [];
      });
    expect(refusing).toEqual([]);
  });
});
