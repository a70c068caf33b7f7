import type { Resource, ResourceStore } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './current-store';
import { expectSlipwayError } from './expect-slipway-error';
import { aResource, walkPages } from './fixtures';

export function resourceListingContract(store: CurrentStore<ResourceStore>): void {
  describe('listing resources', () => {
    it('lists one kind newest first and walks every page exactly once', async () => {
      const images: Resource[] = [];
      for (let i = 0; i < 7; i++) {
        const image = aResource();
        await store().createResource(image);
        images.push(image);
        if (i % 3 === 0) await store().createResource(aResource({ kind: 'cluster' }));
      }
      const pages = await walkPages((cursor) => store().listResources({ kind: 'image', limit: 3, cursor }));
      expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
      expect(pages.flat().map((r) => r.id)).toEqual(images.map((r) => r.id).reverse());
      expect(pages.flat()).toEqual([...images].reverse());
    });

    it('ends on a full last page with no next cursor', async () => {
      for (let i = 0; i < 4; i++) await store().createResource(aResource());
      const first = await store().listResources({ kind: 'image', limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).toEqual(expect.any(String));
      const last = await store().listResources({ kind: 'image', limit: 2, cursor: first.nextCursor! });
      expect(last.items).toHaveLength(2);
      expect(last.nextCursor).toBeNull();
      expect(await store().listResources({ kind: 'nothing', limit: 2 })).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('filters by state and by every label', async () => {
      const made: Resource[] = [];
      const shapes: Pick<Resource, 'state' | 'labels'>[] = [
        { state: 'pending', labels: { env: 'prod', team: 'a' } },
        { state: 'built', labels: { env: 'prod', team: 'a' } },
        { state: 'built', labels: { env: 'prod', team: 'b' } },
        { state: 'built', labels: { env: 'dev', team: 'a' } },
        { state: 'built', labels: { env: 'prod', team: 'a', extra: 'yes' } },
        { state: 'built', labels: {} },
      ];
      for (const shape of shapes) {
        const resource = aResource(shape);
        await store().createResource(resource);
        made.push(resource);
      }
      const newestFirst = [...made].reverse();
      const ids = async (filter: { state?: string; labels?: Record<string, string> }) =>
        (await walkPages((cursor) => store().listResources({ kind: 'image', limit: 1, cursor, ...filter })))
          .flat()
          .map((r) => r.id);
      const expectIds = (keep: (r: Resource) => boolean) => newestFirst.filter(keep).map((r) => r.id);
      expect(await ids({ state: 'built' })).toEqual(expectIds((r) => r.state === 'built'));
      expect(await ids({ labels: { env: 'prod', team: 'a' } })).toEqual(
        expectIds((r) => r.labels.env === 'prod' && r.labels.team === 'a'),
      );
      expect(await ids({ state: 'built', labels: { team: 'a' } })).toEqual(
        expectIds((r) => r.state === 'built' && r.labels.team === 'a'),
      );
      expect(await ids({ labels: { env: 'staging' } })).toEqual([]);
      expect(await ids({ state: 'destroyed' })).toEqual([]);
    });

    it('keeps its place when newer resources arrive between pages', async () => {
      const older: Resource[] = [];
      for (let i = 0; i < 4; i++) {
        const resource = aResource();
        await store().createResource(resource);
        older.push(resource);
      }
      const first = await store().listResources({ kind: 'image', limit: 2 });
      await store().createResource(aResource());
      const second = await store().listResources({ kind: 'image', limit: 2, cursor: first.nextCursor! });
      expect([...first.items, ...second.items].map((r) => r.id)).toEqual(older.map((r) => r.id).reverse());
      expect(second.nextCursor).toBeNull();
    });

    it('refuses cursors it did not issue or issued for other filters', async () => {
      for (let i = 0; i < 3; i++)
        await store().createResource(aResource({ state: 'built', labels: { a: '1' } }));
      const built = await store().listResources({ kind: 'image', state: 'built', limit: 1 });
      const cursor = built.nextCursor!;
      expect(cursor).toEqual(expect.any(String));
      const foreign = [
        'not a cursor!',
        'AAAA',
        Buffer.from('{"v":1}').toString('base64url'),
        Buffer.from('[1,2]').toString('base64url'),
        `${cursor.slice(0, -2)}!!`,
      ];
      for (const bad of foreign) {
        await expectSlipwayError(
          store().listResources({ kind: 'image', state: 'built', limit: 1, cursor: bad }),
          'invalid_cursor',
        );
      }
      await expectSlipwayError(store().listResources({ kind: 'image', limit: 1, cursor }), 'invalid_cursor');
      await expectSlipwayError(
        store().listResources({ kind: 'cluster', state: 'built', limit: 1, cursor }),
        'invalid_cursor',
      );
      await expectSlipwayError(
        store().listResources({ kind: 'image', state: 'built', labels: { a: '1' }, limit: 1, cursor }),
        'invalid_cursor',
      );
      const next = await store().listResources({ kind: 'image', state: 'built', limit: 5, cursor });
      expect(next.items).toHaveLength(2);
    });

    it('keeps a cursor valid when the same labels are given in another order', async () => {
      for (let i = 0; i < 3; i++) await store().createResource(aResource({ labels: { a: '1', b: '2' } }));
      const first = await store().listResources({ kind: 'image', labels: { a: '1', b: '2' }, limit: 2 });
      const rest = await store().listResources({
        kind: 'image',
        labels: { b: '2', a: '1' },
        limit: 2,
        cursor: first.nextCursor!,
      });
      expect(rest.items).toHaveLength(1);
    });

    it('refuses a limit below one', async () => {
      await expectSlipwayError(store().listResources({ kind: 'image', limit: 0 }), 'validation_failed');
      await expectSlipwayError(store().listResources({ kind: 'image', limit: 1.5 }), 'validation_failed');
    });
  });
}
