import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, sourceFiles } from './support/workspaces';

/** Shipped source: test files and test support may build records by hand. */
function shipped(): { path: string; text: string }[] {
  return sourceFiles()
    .filter((path) => /^(apps|packages)\/[^/]+\/src\//.test(path) && !/\.test\.ts$/.test(path))
    .map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }));
}

describe('one builder per record', () => {
  it('builds every Run with newRun (packages/domain/src/model/new-run.ts), so a new field is set in one place', () => {
    // A run literal is the one object that sets both a queued status and an empty cancel request.
    const literal = /status: 'queued',[^}]*cancelRequestedBy: null/s;
    const offenders = shipped()
      .filter(({ path, text }) => path !== 'packages/domain/src/model/new-run.ts' && literal.test(text))
      .map(({ path }) => path);
    expect(offenders).toEqual([]);
  });

  it('checks an ISO instant parameter only with isoInstant (packages/domain/src/model/iso-instant.ts)', () => {
    const offenders = shipped()
      .filter(
        ({ path, text }) =>
          path !== 'packages/domain/src/model/iso-instant.ts' && /ISO 8601 timestamp/.test(text),
      )
      .map(({ path }) => path);
    expect(offenders).toEqual([]);
  });
});
