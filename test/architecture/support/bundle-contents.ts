import type { Manifest } from './workspaces';

/** The parts of esbuild's metafile this check reads. */
export interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
}

const SHIPPED_SOURCE = /^(?:apps|packages)\/[^/]+\/src\//;
const TEST_ONLY = /(?:^|\/)(?:testing|support|test)\/|\.test\.[cm]?[jt]s$/;

/**
 * What a production bundle must not hold: a bundled file that is not a workspace's `src/` (test
 * helpers live in `testing/` entry points, tests beside their code as *.test.ts), or an external
 * import the production install (the root's `dependencies`, Node built-ins) cannot resolve.
 */
export function bundleOffences(meta: Metafile, root: Manifest): string[] {
  const offences: string[] = [];
  for (const input of Object.keys(meta.inputs)) {
    if (!SHIPPED_SOURCE.test(input) || TEST_ONLY.test(input)) offences.push(`bundles ${input}`);
  }
  const production = new Set(Object.keys(root.dependencies ?? {}));
  for (const [output, { imports }] of Object.entries(meta.outputs)) {
    for (const imported of imports) {
      if (!imported.external || imported.path.startsWith('node:')) continue;
      const parts = imported.path.split('/');
      const name = imported.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
      if (!production.has(name))
        offences.push(`${output} imports ${imported.path}, not a production dependency`);
    }
  }
  return offences;
}
