import type { Resource, ResourceStore, RunStore } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './current-store';
import { expectSlipwayError, slipwayCode } from './expect-slipway-error';
import { aResource, aTransition, at, race, resourceWithRun } from './fixtures';

export function resourceContract(store: CurrentStore<ResourceStore & RunStore>): void {
  describe('resources', () => {
    it('creates a resource and reads it back as given', async () => {
      const resource = aResource({ labels: { team: 'core' }, status: { note: 'x' } });
      await store().createResource(resource);
      expect(await store().getResource(resource.id)).toEqual(resource);
      expect(await store().getResource('no-such-id')).toBeNull();
    });

    it('hands out copies: mutating what it returned or was given changes nothing stored', async () => {
      const resource = aResource({ labels: { team: 'core' } });
      const original = structuredClone(resource);
      await store().createResource(resource);
      resource.labels.team = 'changed-after-create';
      (resource.spec as { build: { command: string } }).build.command = 'rm -rf';
      const read = (await store().getResource(resource.id))!;
      read.labels.team = 'changed-after-get';
      read.state = 'destroyed';
      const listed = (await store().listResources({ kind: 'image', limit: 10 })).items[0]!;
      listed.labels.team = 'changed-after-list';
      expect(await store().getResource(resource.id)).toEqual(original);
    });

    it('refuses a second resource with the same id and keeps the first', async () => {
      const first = aResource();
      await store().createResource(first);
      await expectSlipwayError(
        store().createResource(aResource({ id: first.id, name: 'other-name' })),
        'version_conflict',
      );
      expect(await store().getResource(first.id)).toEqual(first);
    });

    it('refuses a name a live resource of the same kind holds, but not one held in another kind', async () => {
      const web = aResource({ name: 'web' });
      await store().createResource(web);
      const error = await expectSlipwayError(
        store().createResource(aResource({ name: 'web' })),
        'name_taken',
      );
      expect(error.details).toMatchObject({ name: 'web' });
      const cluster = aResource({ kind: 'cluster', name: 'web' });
      await store().createResource(cluster);
      expect(await store().getResource(cluster.id)).toEqual(cluster);
      const images = await store().listResources({ kind: 'image', limit: 10 });
      expect(images.items.map((r) => r.id)).toEqual([web.id]);
    });

    it('lets exactly one of many concurrent creates claim a name', async () => {
      const candidates = Array.from({ length: 10 }, () => aResource({ name: 'contested' }));
      const { won, lost } = await race(candidates.length, (i) => store().createResource(candidates[i]!));
      expect(won).toHaveLength(1);
      expect(lost.map((l) => slipwayCode(l.reason))).toEqual(Array(9).fill('name_taken'));
      const listed = await store().listResources({ kind: 'image', limit: 20 });
      expect(listed.items.map((r) => r.id)).toEqual([candidates[won[0]!.index]!.id]);
    });

    it('frees a name only when a transition releases it', async () => {
      const { resource, run } = await resourceWithRun(store(), { name: 'reusable' });
      const building = await store().recordTransition({ transition: aTransition(resource, run) });
      await expectSlipwayError(store().createResource(aResource({ name: 'reusable' })), 'name_taken');
      const destroyed = await store().recordTransition({
        transition: aTransition(building, run, { to: 'destroyed', endedAt: at(4) }),
        releaseName: true,
      });
      expect(destroyed.state).toBe('destroyed');
      const successor = aResource({ name: 'reusable' });
      await store().createResource(successor);
      expect(await store().getResource(successor.id)).toEqual(successor);
      expect((await store().getResource(resource.id))!.name).toBe('reusable');
      await expectSlipwayError(store().createResource(aResource({ name: 'reusable' })), 'name_taken');
    });

    it('patches spec and labels at the expected version, bumping version and updatedAt', async () => {
      const resource = aResource({ labels: { team: 'core' } });
      await store().createResource(resource);
      const patched = await store().patchResource(
        resource.id,
        1,
        { spec: { source: '/v2' }, labels: { team: 'edge' } },
        at(9),
      );
      const expected: Resource = {
        ...resource,
        spec: { source: '/v2' },
        labels: { team: 'edge' },
        version: 2,
        updatedAt: at(9),
      };
      expect(patched).toEqual(expected);
      expect(await store().getResource(resource.id)).toEqual(expected);
      const labelsOnly = await store().patchResource(resource.id, 2, { labels: {} }, at(10));
      expect(labelsOnly).toMatchObject({ spec: { source: '/v2' }, labels: {}, version: 3 });
    });

    it('refuses a patch at a stale version and writes nothing', async () => {
      const resource = aResource();
      await store().createResource(resource);
      await store().patchResource(resource.id, 1, { labels: { a: '1' } }, at(5));
      const before = await store().getResource(resource.id);
      await expectSlipwayError(
        store().patchResource(resource.id, 1, { labels: { a: 'stale' } }, at(6)),
        'version_conflict',
      );
      expect(await store().getResource(resource.id)).toEqual(before);
    });

    it('lets exactly one of many concurrent patches at the same version win', async () => {
      const resource = aResource();
      await store().createResource(resource);
      const { won, lost } = await race(10, (i) =>
        store().patchResource(resource.id, 1, { labels: { winner: String(i) } }, at(5)),
      );
      expect(won).toHaveLength(1);
      expect(lost.map((l) => slipwayCode(l.reason))).toEqual(Array(9).fill('version_conflict'));
      expect(await store().getResource(resource.id)).toEqual(won[0]!.value);
      expect(won[0]!.value).toMatchObject({ version: 2, labels: { winner: String(won[0]!.index) } });
    });

    it('refuses to patch a missing resource', async () => {
      await expectSlipwayError(
        store().patchResource('missing', 1, { labels: {} }, at(1)),
        'resource_not_found',
      );
    });
  });
}
