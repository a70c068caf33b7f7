import type { ResourceStore, RunStore } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './current-store';
import { expectSlipwayError, slipwayCode } from './expect-slipway-error';
import { aResource, aRun, aTransition, at, race, recordSteps, resourceWithRun } from './fixtures';

export function transitionContract(store: CurrentStore<ResourceStore & RunStore>): void {
  describe('transitions', () => {
    it('records a transition and moves the resource with it', async () => {
      const { resource, run } = await resourceWithRun(store(), { status: { keep: 1, over: 'old' } });
      const transition = aTransition(resource, run, { to: 'building', endedAt: at(30) });
      const moved = await store().recordTransition({ transition, status: { over: 'new', added: true } });
      const expected = {
        ...resource,
        state: 'building',
        seq: 1,
        version: resource.version + 1,
        status: { keep: 1, over: 'new', added: true },
        updatedAt: at(30),
      };
      expect(moved).toEqual(expected);
      expect(await store().getResource(resource.id)).toEqual(expected);
      expect((await store().listTransitions({ resourceId: resource.id, limit: 10 })).items).toEqual([
        transition,
      ]);
    });

    it('refuses a transition from another state, at another seq or by another run, and writes nothing', async () => {
      const { resource, run } = await resourceWithRun(store());
      const [first] = await recordSteps(store(), resource.id, run, [{}]);
      const current = (await store().getResource(resource.id))!;
      const refused = [
        aTransition(current, run, { from: 'elsewhere' }),
        aTransition(current, run, { seq: current.seq + 2 }),
        aTransition(current, run, { seq: current.seq }),
        aTransition(current, aRun(current)),
      ];
      for (const transition of refused) {
        await expectSlipwayError(
          store().recordTransition({ transition, releaseName: true }),
          'version_conflict',
        );
      }
      await store().finishRun(run.id, ['queued'], {
        status: 'failed',
        error: null,
        finishedAt: at(4),
        durationMs: 1,
      });
      const idle = (await store().getResource(resource.id))!;
      await expectSlipwayError(
        store().recordTransition({ transition: aTransition(idle, run) }),
        'version_conflict',
      );
      expect(await store().getResource(resource.id)).toEqual(idle);
      expect(idle).toMatchObject({ state: current.state, seq: current.seq });
      expect((await store().listTransitions({ limit: 10 })).items).toEqual([first]);
      await expectSlipwayError(store().createResource(aResource({ name: resource.name })), 'name_taken');
    });

    it("records another resource's run on an idle resource only (a displacement)", async () => {
      const { resource: promoted, run } = await resourceWithRun(store());
      const idle = aResource({ state: 'live' });
      await store().createResource(idle);
      const demote = aTransition(idle, run, { from: 'live', to: 'standby', event: 'DEMOTE' });
      await expectSlipwayError(store().recordTransition({ transition: demote }), 'version_conflict');
      const moved = await store().recordTransition({ transition: demote, expectedActiveRunId: null });
      expect(moved).toMatchObject({ state: 'standby', seq: 1, activeRunId: null });
      expect((await store().listTransitions({ runId: run.id, limit: 10 })).items).toEqual([demote]);

      const { resource: held } = await resourceWithRun(store(), { state: 'live' });
      await expectSlipwayError(
        store().recordTransition({
          transition: aTransition(held, run, { from: 'live', to: 'standby' }),
          expectedActiveRunId: null,
        }),
        'version_conflict',
      );
      expect(await store().getResource(held.id)).toMatchObject({ state: 'live', seq: 0 });
      expect(promoted.id).not.toBe(idle.id);
    });

    it('refuses a transition for a missing resource', async () => {
      const ghost = aResource();
      await expectSlipwayError(
        store().recordTransition({ transition: aTransition(ghost, aRun(ghost)) }),
        'resource_not_found',
      );
      expect((await store().listTransitions({ limit: 10 })).items).toEqual([]);
    });

    it('records exactly one of 20 concurrent transitions at the same seq', async () => {
      const { resource, run } = await resourceWithRun(store());
      await recordSteps(store(), resource.id, run, [{}]);
      const before = (await store().listTransitions({ limit: 100 })).items.length;
      const current = (await store().getResource(resource.id))!;
      const contenders = Array.from({ length: 20 }, (_, i) => aTransition(current, run, { to: `next-${i}` }));
      const { won, lost } = await race(contenders.length, (i) =>
        store().recordTransition({ transition: contenders[i]! }),
      );
      expect(won).toHaveLength(1);
      expect(lost.map((l) => slipwayCode(l.reason))).toEqual(Array(19).fill('version_conflict'));
      const winner = contenders[won[0]!.index]!;
      const after = (await store().listTransitions({ limit: 100 })).items;
      expect(after).toHaveLength(before + 1);
      expect(after.filter((t) => t.seq === winner.seq)).toEqual([winner]);
      expect(await store().getResource(resource.id)).toMatchObject({
        state: winner.to,
        seq: winner.seq,
        version: current.version + 1,
      });
    });
  });
}
