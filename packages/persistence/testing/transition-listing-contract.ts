import type { ResourceStore, RunStore, Transition, TransitionQuery } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './current-store';
import { expectSlipwayError } from './expect-slipway-error';
import { aRun, at, byAuditOrder, recordSteps, resourceWithRun, walkPages } from './fixtures';

const OUTCOMES = ['requested', 'succeeded', 'failed'] as const;

/**
 * A small audit log across kinds, resources, runs and actors, with equal endedAt values across
 * resources and one resource whose later run ends before its earlier one, so order is by time.
 */
async function auditLog(store: ResourceStore & RunStore): Promise<Transition[]> {
  const plan = [
    { kind: 'image', actor: 'alice', ends: [10, 20, 20, 40] },
    { kind: 'image', actor: 'bob', ends: [20, 30, 50] },
    { kind: 'cluster', actor: 'alice', ends: [5, 20, 60, 60] },
  ];
  const log: Transition[] = [];
  for (const [n, { kind, actor, ends }] of plan.entries()) {
    const { resource, run } = await resourceWithRun(store, { kind }, { requestedBy: actor });
    const steps = ends.map((end, i) => ({ endedAt: at(end), outcome: OUTCOMES[(i + n) % OUTCOMES.length]! }));
    log.push(...(await recordSteps(store, resource.id, run, steps)));
    if (n === 0) {
      await store.finishRun(run.id, ['queued'], {
        status: 'succeeded',
        error: null,
        finishedAt: at(41),
        durationMs: 1,
      });
      const moved = (await store.getResource(resource.id))!;
      const second = aRun(moved, { requestedBy: 'carol' });
      await store.startRun(second);
      log.push(
        ...(await recordSteps(store, resource.id, second, [{ endedAt: at(70) }, { endedAt: at(15) }])),
      );
    }
  }
  return log;
}

async function walk(
  store: ResourceStore & RunStore,
  query: Omit<TransitionQuery, 'limit' | 'cursor'>,
  limit: number,
) {
  return walkPages((cursor) => store.listTransitions({ ...query, limit, cursor }));
}

export function transitionListingContract(store: CurrentStore<ResourceStore & RunStore>): void {
  describe('listing transitions', () => {
    it('lists oldest first by endedAt then id, and walks every page exactly once', async () => {
      const log = await auditLog(store());
      const expected = [...log].sort(byAuditOrder);
      for (const limit of [1, 4, 5, 100]) {
        const pages = await walk(store(), {}, limit);
        expect(pages.flat()).toEqual(expected);
        expect(pages.every((page) => page.length <= limit)).toBe(true);
        expect(pages.length).toBe(Math.max(1, Math.ceil(expected.length / limit)));
      }
    });

    it('filters by kind, resource, run, actor and outcome, across pages', async () => {
      const log = await auditLog(store());
      const sorted = [...log].sort(byAuditOrder);
      const sample = log[0]!;
      const filters: [Omit<TransitionQuery, 'limit'>, (t: Transition) => boolean][] = [
        [{ kind: 'cluster' }, (t) => t.kind === 'cluster'],
        [{ resourceId: sample.resourceId }, (t) => t.resourceId === sample.resourceId],
        [{ runId: sample.runId }, (t) => t.runId === sample.runId],
        [{ actor: 'alice' }, (t) => t.actor === 'alice'],
        [{ outcome: 'failed' }, (t) => t.outcome === 'failed'],
        [
          { kind: 'image', actor: 'alice', outcome: 'succeeded' },
          (t) => t.kind === 'image' && t.actor === 'alice' && t.outcome === 'succeeded',
        ],
        [
          { resourceId: sample.resourceId, actor: 'carol' },
          (t) => t.resourceId === sample.resourceId && t.actor === 'carol',
        ],
        [{ kind: 'volume' }, () => false],
      ];
      for (const [filter, keep] of filters) {
        const wanted = sorted.filter(keep);
        expect((await walk(store(), filter, 2)).flat(), JSON.stringify(filter)).toEqual(wanted);
      }
      expect(sorted.filter((t) => t.actor === 'carol')).toHaveLength(2);
    });

    it('bounds by endedAt: since inclusive, until exclusive', async () => {
      const log = await auditLog(store());
      const sorted = [...log].sort(byAuditOrder);
      const first = log[0]!;
      const ranges: [Omit<TransitionQuery, 'limit'>, (t: Transition) => boolean][] = [
        [{ since: at(20) }, (t) => t.endedAt >= at(20)],
        [{ until: at(20) }, (t) => t.endedAt < at(20)],
        [{ since: at(20), until: at(50) }, (t) => t.endedAt >= at(20) && t.endedAt < at(50)],
        [{ since: at(20), until: at(21), kind: 'image' }, (t) => t.endedAt === at(20) && t.kind === 'image'],
        [
          { since: at(15), until: at(61), resourceId: first.resourceId },
          (t) => t.endedAt >= at(15) && t.endedAt < at(61) && t.resourceId === first.resourceId,
        ],
      ];
      for (const [range, keep] of ranges) {
        const wanted = sorted.filter(keep);
        expect(wanted.length, JSON.stringify(range)).toBeGreaterThan(0);
        expect((await walk(store(), range, 2)).flat(), JSON.stringify(range)).toEqual(wanted);
      }
      expect((await walk(store(), { since: at(50), until: at(50) }, 2)).flat()).toEqual([]);
      expect((await walk(store(), { since: at(60), until: at(10) }, 2)).flat()).toEqual([]);
    });

    it('reads time bounds written with an offset as the instants they name', async () => {
      const log = await auditLog(store());
      const inRange = [...log].sort(byAuditOrder).filter((t) => t.endedAt >= at(20) && t.endedAt < at(40));
      // at(20) is 2030-01-01T00:00:20Z; at(40) is 00:00:40Z.
      const page = await store().listTransitions({
        since: '2030-01-01T01:00:20+01:00',
        until: '2029-12-31T23:00:40-01:00',
        limit: 100,
      });
      expect(page.items).toEqual(inRange);
    });

    it('refuses time bounds that are not timestamps', async () => {
      await expectSlipwayError(
        store().listTransitions({ since: 'yesterday', limit: 5 }),
        'validation_failed',
      );
      await expectSlipwayError(
        store().listTransitions({ until: '2030-13-45', limit: 5 }),
        'validation_failed',
      );
    });

    it('refuses cursors it did not issue or issued for other filters', async () => {
      await auditLog(store());
      const page = await store().listTransitions({ kind: 'image', limit: 2 });
      const cursor = page.nextCursor!;
      expect(cursor).toEqual(expect.any(String));
      for (const bad of [
        'garbage',
        'x.y',
        Buffer.from('{"v":1,"s":"x","p":["a","b"]}').toString('base64url'),
      ]) {
        await expectSlipwayError(
          store().listTransitions({ kind: 'image', limit: 2, cursor: bad }),
          'invalid_cursor',
        );
      }
      await expectSlipwayError(store().listTransitions({ limit: 2, cursor }), 'invalid_cursor');
      await expectSlipwayError(
        store().listTransitions({ kind: 'image', actor: 'bob', limit: 2, cursor }),
        'invalid_cursor',
      );
      await expectSlipwayError(
        store().listTransitions({ kind: 'image', since: at(0), limit: 2, cursor }),
        'invalid_cursor',
      );
      await expectSlipwayError(store().listResources({ kind: 'image', limit: 2, cursor }), 'invalid_cursor');
      const resources = await store().listResources({ kind: 'image', limit: 1 });
      await expectSlipwayError(
        store().listTransitions({ kind: 'image', limit: 2, cursor: resources.nextCursor! }),
        'invalid_cursor',
      );
      expect((await store().listTransitions({ kind: 'image', limit: 2, cursor })).items).toHaveLength(2);
    });

    it('refuses a limit below one', async () => {
      await expectSlipwayError(store().listTransitions({ limit: 0 }), 'validation_failed');
    });
  });
}
