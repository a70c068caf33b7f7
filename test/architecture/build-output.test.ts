import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleOffences, type Metafile } from './support/bundle-contents';
import { ROOT, readManifest } from './support/workspaces';

const root = readManifest('');

describe('the production build (dist/, built by the test run’s global setup)', () => {
  const meta = JSON.parse(readFileSync(join(ROOT, 'dist', 'meta.json'), 'utf8')) as Metafile;

  it('bundles workspace sources only: no test helper, test file or vitest', () => {
    expect(Object.keys(meta.inputs).length).toBeGreaterThan(50);
    expect(bundleOffences(meta, root)).toEqual([]);
  });

  it('would be refused with a testing entry point, a test or a dev dependency in it', () => {
    const tainted: Metafile = {
      inputs: {
        ...meta.inputs,
        'packages/ops/testing/executor-contract/engine-fixture.ts': {},
        'packages/persistence/testing/fixtures.ts': {},
        'apps/api/src/routes/run-routes.test.ts': {},
        'test/acceptance/support/poll.ts': {},
      },
      outputs: { 'dist/main.js': { imports: [{ path: 'vitest', external: true }] } },
    };
    expect(bundleOffences(tainted, root)).toHaveLength(5);
  });
});
