import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * vitest globalSetup: builds dist/ (what ships) and the test-only child programs once per test
 * run, before any file starts, so process-level tests run the compiled JavaScript users run.
 * Unit tests keep importing the TypeScript sources through vitest.
 */
export default function buildPrograms(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-needed', '--test-programs'], {
    cwd: resolve(import.meta.dirname, '../..'),
    stdio: 'inherit',
  });
}
