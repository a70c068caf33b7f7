import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource, StepOutcome } from '@slipway/domain';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import {
  type LocalClusterProvider,
  localClusterProvider,
} from '../../../src/local/cluster/local-cluster-provider';
import { bakeHelloImage } from './hello-images';
import { killEverythingUnder } from './kill-marked';

export interface ClusterSandbox {
  /** The suite's temp dir: baked images and every test's data dir live below it. */
  readonly root: string;
  /** A fresh data dir per test. */
  readonly dataDir: string;
  readonly images: Map<string, Resource>;
  /** A provider over this test's data dir that finds the baked images. */
  provider(): LocalClusterProvider;
}

/**
 * Registers the hooks of a suite that runs real instances: hello-app baked once per `versions`
 * entry (image id → version), a fresh data dir per test, and every marked process killed after each
 * test and the suite, even when one fails.
 */
export function useClusterSandbox(prefix: string, versions: Record<string, string>): ClusterSandbox {
  let root = '';
  let dataDir = '';
  const images = new Map<string, Resource>();
  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), prefix)));
    for (const [id, version] of Object.entries(versions)) {
      images.set(id, await bakeHelloImage(join(root, 'images-data'), id, version));
    }
  });
  beforeEach(async () => {
    dataDir = await mkdtemp(join(root, 'data-'));
  });
  afterEach(async () => {
    await killEverythingUnder(dataDir);
  });
  afterAll(async () => {
    await killEverythingUnder(root);
    await rm(root, { recursive: true, force: true });
  });
  return {
    get root() {
      return root;
    },
    get dataDir() {
      return dataDir;
    },
    images,
    provider: () =>
      localClusterProvider({ dataDir, getResource: async (id) => images.get(id) ?? null, killGraceMs: 1000 }),
  };
}

/** A step's outputs, or a failure that says what the provider reported and logged. */
export function outputsOf(outcome: StepOutcome, lines: string[] = []): Record<string, unknown> {
  if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}\n${lines.join('\n')}`);
  return outcome.outputs;
}
