import type { CollectionDeclaration, KindCollections } from '@slipway/domain';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './current-store';
import { expectSlipwayError, slipwayCode } from './expect-slipway-error';
import { race } from './fixtures';

const versions = {
  name: 'test.versions',
  document: Type.Object({ value: Type.String(), n: Type.Integer() }, { additionalProperties: false }),
} satisfies CollectionDeclaration;

const others = {
  name: 'test.others',
  document: Type.Object({ value: Type.String(), n: Type.Integer() }, { additionalProperties: false }),
} satisfies CollectionDeclaration;

/** The promises `KindCollections` declares (kind-collections.ts), each a case. */
export function kindCollectionsContract(store: CurrentStore<KindCollections>): void {
  describe('kind collections', () => {
    it('inserts an entry at version 1, reads it back, and refuses a second insert of the key', async () => {
      const collection = store().collection(versions);
      expect(await collection.insert('a/1', { value: 'x', n: 1 })).toEqual({
        key: 'a/1',
        version: 1,
        doc: { value: 'x', n: 1 },
      });
      expect(await collection.get('a/1')).toEqual({ key: 'a/1', version: 1, doc: { value: 'x', n: 1 } });
      expect(await collection.get('a/2')).toBeNull();
      await expectSlipwayError(collection.insert('a/1', { value: 'y', n: 2 }), 'version_conflict');
      expect((await collection.get('a/1'))?.doc).toEqual({ value: 'x', n: 1 });
    });

    it('replaces only at the version given', async () => {
      const collection = store().collection(versions);
      await collection.insert('k', { value: 'v1', n: 1 });
      expect(await collection.replace('k', 1, { value: 'v2', n: 2 })).toMatchObject({ version: 2 });
      await expectSlipwayError(collection.replace('k', 1, { value: 'stale', n: 3 }), 'version_conflict');
      await expectSlipwayError(collection.replace('missing', 1, { value: 'x', n: 1 }), 'version_conflict');
      expect(await collection.get('k')).toEqual({ key: 'k', version: 2, doc: { value: 'v2', n: 2 } });
    });

    it('lets exactly one of concurrent inserts of a key, and of replaces at one version, win', async () => {
      const collection = store().collection(versions);
      const inserts = await race(8, (i) => collection.insert('contested', { value: `i${i}`, n: i }));
      expect(inserts.won).toHaveLength(1);
      expect(inserts.lost.map((loss) => slipwayCode(loss.reason))).toEqual(Array(7).fill('version_conflict'));
      const replaces = await race(8, (i) => collection.replace('contested', 1, { value: `r${i}`, n: i }));
      expect(replaces.won).toHaveLength(1);
      expect(replaces.lost.map((loss) => slipwayCode(loss.reason))).toEqual(
        Array(7).fill('version_conflict'),
      );
      expect((await collection.get('contested'))?.doc).toEqual(replaces.won[0]!.value.doc);
    });

    it('refuses a document that does not match the declaration, and a key that is not printable ASCII', async () => {
      const collection = store().collection(versions);
      const wrong = { value: 1, n: 'one' } as unknown as { value: string; n: number };
      await expectSlipwayError(collection.insert('bad', wrong), 'invalid_spec');
      await expectSlipwayError(collection.insert('with space', { value: 'x', n: 1 }), 'invalid_spec');
      await collection.insert('good', { value: 'x', n: 1 });
      await expectSlipwayError(collection.replace('good', 1, wrong), 'invalid_spec');
      expect(await collection.get('bad')).toBeNull();
      expect((await collection.get('good'))?.version).toBe(1);
    });

    it('lists keys in ascending order, by prefix, paged by a cursor that stays valid across writes', async () => {
      const collection = store().collection(versions);
      for (const key of ['s2/0003', 's1/0002', 's1/0001', 's1/0004', 's1-x/0001', 's1/0003']) {
        await collection.insert(key, { value: key, n: 1 });
      }
      await collection.replace('s1/0002', 1, { value: 'changed', n: 2 });
      const first = await collection.list({ prefix: 's1/', limit: 2 });
      expect(first.items.map((item) => item.key)).toEqual(['s1/0001', 's1/0002']);
      expect(first.items[1]).toMatchObject({ version: 2, doc: { value: 'changed' } });
      expect(first.nextCursor).toEqual(expect.any(String));
      // Written meanwhile: one before the cursor (never served on this walk), one after it.
      await collection.insert('s1/0000', { value: 'early', n: 1 });
      await collection.insert('s1/0005', { value: 'late', n: 1 });
      const second = await collection.list({ prefix: 's1/', limit: 2, cursor: first.nextCursor! });
      expect(second.items.map((item) => item.key)).toEqual(['s1/0003', 's1/0004']);
      const third = await collection.list({ prefix: 's1/', limit: 2, cursor: second.nextCursor! });
      expect(third.items.map((item) => item.key)).toEqual(['s1/0005']);
      expect(third.nextCursor).toBeNull();
      expect((await collection.list({ limit: 10 })).items.map((item) => item.key)).toEqual([
        's1-x/0001',
        's1/0000',
        's1/0001',
        's1/0002',
        's1/0003',
        's1/0004',
        's1/0005',
        's2/0003',
      ]);
      await expectSlipwayError(
        collection.list({ prefix: 's2/', limit: 2, cursor: first.nextCursor! }),
        'invalid_cursor',
      );
      await expectSlipwayError(collection.list({ limit: 0 }), 'validation_failed');
    });

    it('keeps each declared collection apart', async () => {
      await store().collection(versions).insert('shared', { value: 'versions', n: 1 });
      expect(await store().collection(others).get('shared')).toBeNull();
      await store().collection(others).insert('shared', { value: 'others', n: 1 });
      expect((await store().collection(versions).get('shared'))?.doc.value).toBe('versions');
      expect((await store().collection(others).list({ limit: 5 })).items).toHaveLength(1);
    });
  });
}
