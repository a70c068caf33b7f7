import type { ListOrder, ResourceStore, Run, RunStore, Transition } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './current-store';
import { aRun, at, byAuditOrder, recordSteps, resourceWithRun, walkPages } from './fixtures';

type AuditStore = ResourceStore & RunStore;

function byRunOrder(a: Run, b: Run): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Resources of two kinds and services, each with a run of a few transitions, ending at `base + i`. */
async function seed(
  store: AuditStore,
  count: number,
  base: number,
): Promise<{ runs: Run[]; transitions: Transition[] }> {
  const runs: Run[] = [];
  const transitions: Transition[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 2 === 0 ? 'image' : 'cluster';
    const { resource, run } = await resourceWithRun(
      store,
      { kind },
      {
        createdAt: at(base + i),
        requestedBy: i % 3 === 0 ? 'dana' : 'erin',
        target: i % 4 === 0 ? 'destroyed' : 'built',
        groups: { service: i % 2 === 0 ? 'web' : 'api', provider: 'local' },
        reason: i % 4 === 0 ? `retire ${i}` : null,
      },
    );
    runs.push(run);
    transitions.push(
      ...(await recordSteps(store, resource.id, run, [
        { to: 'working', event: 'START', outcome: 'requested', endedAt: at(base + i) },
        { to: i % 4 === 0 ? 'destroyed' : 'done', event: 'SUCCESS', endedAt: at(base + i + 0.5) },
      ])),
    );
  }
  return { runs, transitions };
}

export function auditListingContract(store: CurrentStore<AuditStore>): void {
  describe('audit listings', () => {
    it('lists transitions newest first with order=desc, walking every page once', async () => {
      const { transitions } = await seed(store(), 6, 100);
      const expected = [...transitions].sort(byAuditOrder).reverse();
      for (const limit of [1, 5, 100]) {
        const pages = await walkPages((cursor) => store().listTransitions({ order: 'desc', limit, cursor }));
        expect(pages.flat()).toEqual(expected);
      }
    });

    it('filters transitions by event, entered state and the run groups, carrying the run context', async () => {
      const { transitions } = await seed(store(), 8, 100);
      const destroyed = (
        await walkPages((cursor) =>
          store().listTransitions({ to: 'destroyed', event: 'SUCCESS', limit: 1, cursor }),
        )
      ).flat();
      expect(destroyed).toEqual(transitions.filter((t) => t.to === 'destroyed').sort(byAuditOrder));
      expect(destroyed.map((t) => [t.reason, t.target, t.actor])).toEqual([
        ['retire 0', 'destroyed', 'dana'],
        ['retire 4', 'destroyed', 'erin'],
      ]);
      const api = (await store().listTransitions({ groups: { service: 'api' }, limit: 100 })).items;
      expect(api).toEqual(transitions.filter((t) => t.groups.service === 'api').sort(byAuditOrder));
      expect(api).toHaveLength(8);
      expect((await store().listTransitions({ groups: { service: 'nope' }, limit: 10 })).items).toEqual([]);
    });

    it('lists runs newest first (or oldest with order=asc) and filters by kind, resource, status, target, actor and time', async () => {
      const { runs } = await seed(store(), 8, 100);
      const stored = await Promise.all(runs.map(async (run) => (await store().getRun(run.id))!));
      const newest = [...stored].sort(byRunOrder).reverse();
      expect((await walkPages((cursor) => store().listRuns({ limit: 3, cursor }))).flat()).toEqual(newest);
      expect(
        (await walkPages((cursor) => store().listRuns({ order: 'asc', limit: 3, cursor }))).flat(),
      ).toEqual([...newest].reverse());
      const filtered = await store().listRuns({
        kind: 'image',
        target: 'destroyed',
        actor: 'dana',
        status: 'queued',
        since: at(100),
        until: at(108),
        limit: 10,
      });
      expect(filtered.items.map((run) => run.id)).toEqual([stored[0]!.id]);
      expect((await store().listRuns({ resourceId: stored[3]!.resourceId, limit: 10 })).items).toEqual([
        stored[3],
      ]);
    });

    for (const order of ['asc', 'desc'] as const satisfies readonly ListOrder[]) {
      it(`walks every page (${order}) while new records arrive: every record that existed at the start exactly once`, async () => {
        const { transitions, runs } = await seed(store(), 10, 100);
        const seenTransitions: Transition[] = [];
        const seenRuns: Run[] = [];
        let cursor: string | null | undefined;
        let runCursor: string | null | undefined;
        let round = 0;
        while (cursor !== null || runCursor !== null) {
          if (cursor !== null) {
            const page = await store().listTransitions({ order, limit: 3, cursor });
            seenTransitions.push(...page.items);
            cursor = page.nextCursor;
          }
          if (runCursor !== null) {
            const page = await store().listRuns({ order, limit: 2, cursor: runCursor });
            seenRuns.push(...page.items);
            runCursor = page.nextCursor;
          }
          // Records land before, among and after the ones already listed.
          await seed(store(), 1, [50, 104, 300][round % 3]! + round * 0.01);
          round++;
          if (round > 200) throw new Error('the walk did not end');
        }
        const ids = seenTransitions.map((t) => t.id);
        for (const transition of transitions)
          expect(ids.filter((id) => id === transition.id)).toHaveLength(1);
        expect(new Set(ids).size).toBe(ids.length);
        const runIds = seenRuns.map((r) => r.id);
        for (const run of runs) expect(runIds.filter((id) => id === run.id)).toHaveLength(1);
        expect(new Set(runIds).size).toBe(runIds.length);
      });
    }

    it('keeps a destroyed resource out of nothing: listing by state still finds it', async () => {
      const { resource, run } = await resourceWithRun(store(), { kind: 'image' });
      await recordSteps(store(), resource.id, run, [{ to: 'destroyed' }]);
      const page = await store().listResources({ kind: 'image', excludeStates: ['destroyed'], limit: 10 });
      expect(page.items).toEqual([]);
      const named = await store().listResources({ kind: 'image', state: 'destroyed', limit: 10 });
      expect(named.items.map((r) => r.id)).toEqual([resource.id]);
      void aRun;
    });
  });
}
