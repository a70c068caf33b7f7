import type { AnalyticsStore, ResourceStore, RunStore } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './current-store';
import { aRun, at, recordSteps, resourceWithRun } from './fixtures';
import { allRecords, bucketsFromRecords, sortBuckets } from './rollup-records';

type RollupStore = ResourceStore & RunStore & AnalyticsStore;

/** Three runs of two kinds over two hours: one failed, steps with and without a step name. */
async function history(store: RollupStore): Promise<void> {
  const image = await resourceWithRun(store, { kind: 'image' }, { groups: { provider: 'local' } });
  await recordSteps(store, image.resource.id, image.run, [
    { to: 'building', outcome: 'requested', endedAt: at(10) },
    { to: 'built', outcome: 'succeeded', step: 'build', durationMs: 1234, endedAt: at(20) },
  ]);
  await store.finishRun(image.run.id, ['queued'], {
    status: 'succeeded',
    error: null,
    finishedAt: at(21),
    durationMs: 2100,
  });
  const cluster = await resourceWithRun(
    store,
    { kind: 'cluster' },
    { target: 'live', groups: { service: 'web', provider: 'local' } },
  );
  await recordSteps(store, cluster.resource.id, cluster.run, [
    { to: 'launching', outcome: 'requested', endedAt: at(3600) },
    { to: 'failed', outcome: 'failed', step: 'launch', durationMs: 0, endedAt: at(3700) },
  ]);
  await store.finishRun(cluster.run.id, ['queued'], {
    status: 'failed',
    error: { code: 'launch_failed', message: 'no' },
    finishedAt: at(3701),
    durationMs: 101_000,
  });
  const again = aRun((await store.getResource(cluster.resource.id))!, {
    target: 'live',
    groups: { service: 'web', provider: 'local' },
  });
  await store.startRun(again);
  await recordSteps(store, cluster.resource.id, again, [
    { to: 'launching', outcome: 'requested', endedAt: at(7300) },
    { to: 'ready', outcome: 'succeeded', step: 'launch', durationMs: 45_000, endedAt: at(7345) },
  ]);
  await store.finishRun(again.id, ['queued'], {
    status: 'succeeded',
    error: null,
    finishedAt: at(7400),
    durationMs: 100_000,
  });
}

export function rollupContract(store: CurrentStore<RollupStore>): void {
  describe('rollups', () => {
    it('rolls every finished run and answered step into its hour bucket, equal to a recomputation from the records', async () => {
      await history(store());
      const buckets = sortBuckets(await store().listRollupBuckets({}));
      const { runs, transitions } = await allRecords(store());
      expect(buckets).toEqual(bucketsFromRecords(runs, transitions));
      // 2 runs' worth of image buckets (run + build step), 2 failed + 2 succeeded cluster buckets.
      expect(buckets.map((b) => [b.kind, b.target, b.step, b.outcome, b.count])).toEqual(
        expect.arrayContaining([
          ['image', 'built', '', 'succeeded', 1],
          ['image', 'built', 'build', 'succeeded', 1],
          ['cluster', 'live', '', 'failed', 1],
          ['cluster', 'live', 'launch', 'failed', 1],
          ['cluster', 'live', '', 'succeeded', 1],
          ['cluster', 'live', 'launch', 'succeeded', 1],
        ]),
      );
      expect(buckets).toHaveLength(6);
    });

    it('reads buckets by kind, target and hour range (since inclusive, until exclusive)', async () => {
      await history(store());
      const clusters = await store().listRollupBuckets({ kind: 'cluster', target: 'live' });
      expect(clusters.every((b) => b.kind === 'cluster')).toBe(true);
      expect(clusters).toHaveLength(4);
      const firstHour = at(3600).slice(0, 13);
      const secondHour = at(7300).slice(0, 13);
      const inFirst = await store().listRollupBuckets({ sinceHour: firstHour, untilHour: secondHour });
      expect(inFirst.map((b) => b.hour)).toEqual([firstHour, firstHour]);
      expect(await store().listRollupBuckets({ sinceHour: secondHour })).toHaveLength(2);
    });

    it('with resolution coarsest, covers any range exactly once (coarser buckets allowed)', async () => {
      await history(store());
      const hourly = await store().listRollupBuckets({});
      const firstHour = at(3600).slice(0, 13);
      for (const range of [
        {},
        { sinceHour: firstHour },
        { untilHour: firstHour },
        { sinceHour: '2029-12-31T23', untilHour: '2030-01-03T05' },
      ]) {
        const covered = await store().listRollupBuckets({ ...range, resolution: 'coarsest' });
        const inRange = hourly.filter(
          (b) =>
            (range.sinceHour === undefined || b.hour >= range.sinceHour) &&
            (range.untilHour === undefined || b.hour < range.untilHour),
        );
        const total = (buckets: typeof hourly) => buckets.reduce((sum, b) => sum + b.count, 0);
        const sums = (buckets: typeof hourly) => buckets.reduce((sum, b) => sum + b.sumMs, 0);
        expect(total(covered)).toBe(total(inRange));
        expect(sums(covered)).toBe(sums(inRange));
      }
    });

    it('adds nothing for transitions that answer no step or runs that have not ended', async () => {
      const { resource, run } = await resourceWithRun(store(), { kind: 'image' });
      await recordSteps(store(), resource.id, run, [{ to: 'building', outcome: 'requested' }]);
      expect(await store().listRollupBuckets({})).toEqual([]);
    });

    it('keeps one bucket per key however many runs fall into it', async () => {
      for (let i = 0; i < 12; i++) {
        const { run } = await resourceWithRun(store(), { kind: 'image' });
        await store().finishRun(run.id, ['queued'], {
          status: i % 3 === 0 ? 'failed' : 'succeeded',
          error: null,
          finishedAt: at(100 + i),
          durationMs: 1000 + i * 10,
        });
      }
      const buckets = await store().listRollupBuckets({ kind: 'image' });
      expect(buckets.map((b) => [b.outcome, b.count]).sort()).toEqual([
        ['failed', 4],
        ['succeeded', 8],
      ]);
      const { runs, transitions } = await allRecords(store());
      expect(sortBuckets(buckets)).toEqual(bucketsFromRecords(runs, transitions));
    });
  });
}
