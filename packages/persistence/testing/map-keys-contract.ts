import type { ResourceStore, RunStore } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './current-store';
import { aTransition, resourceWithRun } from './fixtures';

/**
 * Spec, status, labels and provider outputs are maps whose keys come from users and providers;
 * keys with dots, a leading dollar or no characters at all are valid JSON and must survive.
 */
export function mapKeysContract(store: CurrentStore<ResourceStore & RunStore>): void {
  describe('keys of free-form maps', () => {
    it('stores keys with dots, dollars and empty keys as given, and filters labels by them', async () => {
      const { resource, run } = await resourceWithRun(store(), {
        spec: { 'a.b': { $ref: 'x', '': [1, { 'c.d': null }] } },
        labels: { 'app.kubernetes.io/name': 'web', $team: 'core' },
      });
      const transition = aTransition(resource, run, { outputs: { 'out.path': '/x', $n: 2 } });
      const moved = await store().recordTransition({ transition, status: { 'pid.main': 42, $: true } });
      expect(moved.status).toEqual({ 'pid.main': 42, $: true });
      expect(await store().getResource(resource.id)).toEqual(moved);
      const listed = await store().listResources({
        kind: 'image',
        labels: { 'app.kubernetes.io/name': 'web', $team: 'core' },
        limit: 5,
      });
      expect(listed.items).toEqual([moved]);
      expect((await store().listTransitions({ resourceId: resource.id, limit: 5 })).items).toEqual([
        transition,
      ]);
    });
  });
}
