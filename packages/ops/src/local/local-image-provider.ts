import { resolve } from 'node:path';
import type { imageKind, ProviderFor } from '@slipway/domain';
import { buildImage } from './build-image';
import { removeImage } from './destroy-image';
import { checkSource } from './image-source';

export interface LocalImageProviderOptions {
  /** Slipway's data directory; images live in `<dataDir>/images/<id>/app`. */
  dataDir: string;
  /** When given, image sources must lie inside one of these directories. */
  sourceRoots?: string[];
  /** What relative sources, roots and dataDir resolve against; default `process.cwd()`. */
  cwd?: string;
  /** Between SIGTERM and SIGKILL when a build is stopped; default 5000. */
  killGraceMs?: number;
}

/** Images on this machine: an app directory copied into the data directory and built there. */
export function localImageProvider(options: LocalImageProviderOptions): ProviderFor<typeof imageKind> {
  const cwd = options.cwd ?? process.cwd();
  const rules = { ...options, cwd, dataDir: resolve(cwd, options.dataDir) };
  return {
    backend: 'local',
    steps: {
      build: (context) => buildImage(context, rules),
      destroy: (context) => removeImage(context, rules.dataDir),
    },
    async cleanup(context) {
      // Both steps leave at most a partial directory behind; removing it is the undo for either.
      const outcome = await removeImage(context, rules.dataDir);
      if (!outcome.ok) throw new Error(outcome.error.message);
    },
    validateSpec(spec) {
      const source = checkSource(spec.source, rules);
      return source.ok ? [] : [source.message];
    },
  };
}
