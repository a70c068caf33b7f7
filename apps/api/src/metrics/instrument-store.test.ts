import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbStore } from '@slipway/persistence';
import { aResource, aRun, aTransition } from '@slipway/persistence/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentStore } from './instrument-store';
import { SlipwayMetrics } from './slipway-metrics';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function openStore(): Promise<LmdbStore> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-metrics-'));
  dirs.push(dir);
  return LmdbStore.open({ path: join(dir, 'db') });
}

describe('instrumentStore', () => {
  it('a throwing metric does not change what a store write answers, and is reported once', async () => {
    const opened = await openStore();
    const metrics = new SlipwayMetrics();
    const warnings: string[] = [];
    const store = instrumentStore(opened, metrics, (message) => warnings.push(message));
    const broken = () => {
      throw new Error('counter broke');
    };
    metrics.runsStarted.inc = broken;
    metrics.runsFinished.inc = broken;
    metrics.storeLatency.startTimer = broken;
    try {
      const resource = aResource();
      await store.createResource(resource);
      const run = aRun(resource);
      await expect(store.startRun(run)).resolves.toBeUndefined();
      const held = { ...resource, activeRunId: run.id };
      const moved = await store.recordTransition({ transition: aTransition(held, run) });
      expect(moved).toMatchObject({ id: resource.id, seq: 1 });
      const finished = await store.finishRun(run.id, ['queued'], {
        status: 'succeeded',
        error: null,
        finishedAt: new Date().toISOString(),
        durationMs: 5,
      });
      expect(finished).toMatchObject({ id: run.id, status: 'succeeded' });
      // The writes happened, as the store itself (not the wrapper) tells.
      expect(await opened.getRun(run.id)).toMatchObject({ status: 'succeeded' });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/counter broke/);
    } finally {
      await opened.close();
    }
  });

  it('makes each method wrapper once and still times the calls', async () => {
    const opened = await openStore();
    const metrics = new SlipwayMetrics();
    const store = instrumentStore(opened, metrics);
    try {
      expect(store.getRun).toBe(store.getRun);
      expect(store.listTransitions).toBe(store.listTransitions);
      await store.getRun('01ZZZZZZZZZZZZZZZZZZZZZZZZ');
      await store.getRun('01ZZZZZZZZZZZZZZZZZZZZZZZZ');
      const text = await metrics.registry.metrics();
      expect(text).toContain(
        'slipway_store_operation_duration_seconds_count{operation="getRun",result="ok"} 2',
      );
    } finally {
      await opened.close();
    }
  });
});
