import type { ResourceStore, Run, RunStore } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './current-store';
import { expectSlipwayError, slipwayCode } from './expect-slipway-error';
import { aResource, aRun, at, race, resourceWithRun } from './fixtures';

const ACTIVE = ['queued', 'running', 'cancelling'] as const;

export function runContract(store: CurrentStore<ResourceStore & RunStore>): void {
  describe('runs', () => {
    it("starts a run: stores it and makes it the resource's active run", async () => {
      const resource = aResource();
      await store().createResource(resource);
      const run = aRun(resource, { createdAt: at(7) });
      await store().startRun(run);
      expect(await store().getRun(run.id)).toEqual(run);
      expect(await store().getRun('no-such-run')).toBeNull();
      expect(await store().getResource(resource.id)).toEqual({
        ...resource,
        activeRunId: run.id,
        version: resource.version + 1,
        updatedAt: at(7),
      });
    });

    it('refuses a second run while one is active, naming the active run, and writes nothing', async () => {
      const { resource, run } = await resourceWithRun(store());
      const second = aRun(resource);
      const error = await expectSlipwayError(store().startRun(second), 'run_conflict');
      expect(error.details).toEqual({ activeRunId: run.id });
      expect(error.message).toContain(run.id);
      expect(await store().getRun(second.id)).toBeNull();
      expect(await store().getResource(resource.id)).toEqual(resource);
    });

    it('refuses a run planned from a state the resource has left', async () => {
      const resource = aResource({ state: 'built' });
      await store().createResource(resource);
      const run = aRun(resource, { fromState: 'pending' });
      await expectSlipwayError(store().startRun(run), 'version_conflict');
      expect(await store().getRun(run.id)).toBeNull();
      expect(await store().getResource(resource.id)).toEqual(resource);
    });

    it('refuses a run on a missing resource', async () => {
      const run = aRun(aResource());
      await expectSlipwayError(store().startRun(run), 'resource_not_found');
      expect(await store().getRun(run.id)).toBeNull();
    });

    it('lets exactly one of 20 concurrent starts win; the rest get run_conflict naming it', async () => {
      const resource = aResource();
      await store().createResource(resource);
      const runs = Array.from({ length: 20 }, () => aRun(resource));
      const { won, lost } = await race(runs.length, (i) => store().startRun(runs[i]!));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(19);
      const winner = runs[won[0]!.index]!;
      for (const { reason } of lost) {
        expect(slipwayCode(reason)).toBe('run_conflict');
        expect(reason).toMatchObject({ details: { activeRunId: winner.id } });
      }
      expect(await store().getResource(resource.id)).toMatchObject({ activeRunId: winner.id, version: 2 });
      for (const run of runs) expect(await store().getRun(run.id)).toEqual(run === winner ? run : null);
      expect((await store().listUnfinishedRuns()).map((r) => r.id)).toEqual([winner.id]);
    });

    describe('updateRun', () => {
      it('updates a run only from the given statuses', async () => {
        const { run } = await resourceWithRun(store());
        const running = await store().updateRun(run.id, ['queued'], { status: 'running', startedAt: at(2) });
        const expected: Run = { ...run, status: 'running', startedAt: at(2) };
        expect(running).toEqual(expected);
        expect(await store().getRun(run.id)).toEqual(expected);
        expect(await store().updateRun(run.id, ['queued'], { status: 'cancelling' })).toBeNull();
        expect(await store().getRun(run.id)).toEqual(expected);
        expect(await store().updateRun('no-such-run', ACTIVE, { step: 'build' })).toBeNull();
      });

      it('changes only the fields it is given', async () => {
        const { run } = await resourceWithRun(store(), {}, { status: 'running', startedAt: at(1) });
        await store().updateRun(run.id, ['running'], { step: 'build', attempt: 1 });
        const cancelling = await store().updateRun(run.id, ['running'], {
          status: 'cancelling',
          cancelRequestedBy: 'bob',
          cancelReason: 'wrong branch',
        });
        expect(cancelling).toEqual({
          ...run,
          step: 'build',
          attempt: 1,
          status: 'cancelling',
          cancelRequestedBy: 'bob',
          cancelReason: 'wrong branch',
        });
      });

      it('lets exactly one of many concurrent updates from the same status win', async () => {
        const { run } = await resourceWithRun(store());
        const { won } = await race(10, (i) =>
          store().updateRun(run.id, ['queued'], { status: 'running', step: `step-${i}` }),
        );
        const applied = won.filter((w) => w.value !== null);
        expect(applied).toHaveLength(1);
        expect(await store().getRun(run.id)).toMatchObject({
          status: 'running',
          step: `step-${applied[0]!.index}`,
        });
      });

      it('refuses to end a run (that is finishRun) and changes nothing', async () => {
        const { run } = await resourceWithRun(store());
        await expect(store().updateRun(run.id, ['queued'], { status: 'succeeded' })).rejects.toThrow();
        expect(await store().getRun(run.id)).toEqual(run);
      });

      it('never changes a finished run', async () => {
        const { run } = await resourceWithRun(store());
        const finished = await store().finishRun(run.id, ACTIVE, {
          status: 'failed',
          error: { code: 'boom', message: 'it broke' },
          finishedAt: at(5),
          durationMs: 4000,
        });
        expect(await store().updateRun(run.id, ['failed', 'queued'], { step: 'late' })).toBeNull();
        expect(await store().getRun(run.id)).toEqual(finished);
      });
    });

    describe('finishRun', () => {
      it('ends the run and frees its resource in one step', async () => {
        const { resource, run } = await resourceWithRun(store(), {}, { status: 'running', startedAt: at(1) });
        const end = {
          status: 'failed' as const,
          error: { code: 'boom', message: 'it broke' },
          finishedAt: at(9),
          durationMs: 8000,
        };
        const finished = await store().finishRun(run.id, ['running'], end);
        const expected: Run = { ...run, ...end };
        expect(finished).toEqual(expected);
        expect(await store().getRun(run.id)).toEqual(expected);
        expect(await store().getResource(resource.id)).toEqual({
          ...resource,
          activeRunId: null,
          version: resource.version + 1,
          updatedAt: at(9),
        });
        expect(await store().listUnfinishedRuns()).toEqual([]);
      });

      it('finishes only from the given statuses, and only once', async () => {
        const { resource, run } = await resourceWithRun(store());
        const end = { status: 'cancelled' as const, error: null, finishedAt: at(3), durationMs: 2000 };
        expect(await store().finishRun(run.id, ['running'], end)).toBeNull();
        expect(await store().getRun(run.id)).toEqual(run);
        expect(await store().getResource(resource.id)).toEqual(resource);
        expect(await store().finishRun(run.id, ['queued'], end)).toMatchObject({ status: 'cancelled' });
        const again = { status: 'succeeded' as const, error: null, finishedAt: at(4), durationMs: 3000 };
        expect(
          await store().finishRun(run.id, [...ACTIVE, 'cancelled', 'succeeded', 'failed'], again),
        ).toBeNull();
        expect(await store().getRun(run.id)).toMatchObject({ status: 'cancelled', finishedAt: at(3) });
        expect(await store().finishRun('no-such-run', ACTIVE, end)).toBeNull();
      });

      it('lets exactly one of many concurrent finishes end the run', async () => {
        const { resource, run } = await resourceWithRun(store());
        const { won } = await race(10, (i) =>
          store().finishRun(run.id, ACTIVE, {
            status: 'succeeded',
            error: null,
            finishedAt: at(10 + i),
            durationMs: i,
          }),
        );
        const ended = won.filter((w) => w.value !== null);
        expect(ended).toHaveLength(1);
        expect(await store().getRun(run.id)).toMatchObject({ finishedAt: at(10 + ended[0]!.index) });
        expect(await store().getResource(resource.id)).toMatchObject({
          activeRunId: null,
          version: resource.version + 1,
        });
      });

      it('refuses an end status that is not terminal', async () => {
        const { run } = await resourceWithRun(store());
        await expect(
          store().finishRun(run.id, ACTIVE, {
            status: 'running',
            error: null,
            finishedAt: at(2),
            durationMs: 1,
          }),
        ).rejects.toThrow();
        expect(await store().getRun(run.id)).toEqual(run);
      });

      it('lets the resource take a new run once the last one ended', async () => {
        const { resource, run } = await resourceWithRun(store());
        await store().finishRun(run.id, ACTIVE, {
          status: 'succeeded',
          error: null,
          finishedAt: at(2),
          durationMs: 1,
        });
        const next = aRun(resource);
        await store().startRun(next);
        expect(await store().getResource(resource.id)).toMatchObject({ activeRunId: next.id });
      });
    });

    it('lists the unfinished runs: queued, running and cancelling, not ended ones', async () => {
      const queued = await resourceWithRun(store());
      const running = await resourceWithRun(store(), {}, { status: 'running' });
      const cancelling = await resourceWithRun(store());
      await store().updateRun(cancelling.run.id, ['queued'], {
        status: 'cancelling',
        cancelRequestedBy: 'bob',
      });
      const ended = await resourceWithRun(store());
      await store().finishRun(ended.run.id, ACTIVE, {
        status: 'succeeded',
        error: null,
        finishedAt: at(2),
        durationMs: 1,
      });
      const unfinished = await store().listUnfinishedRuns();
      expect(unfinished.map((r) => r.id).sort()).toEqual(
        [queued.run.id, running.run.id, cancelling.run.id].sort(),
      );
      expect(unfinished.find((r) => r.id === cancelling.run.id)).toMatchObject({
        status: 'cancelling',
        cancelRequestedBy: 'bob',
      });
    });
  });
}
