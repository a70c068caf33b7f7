import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSlipway, type TestSlipway } from '../../../testing/test-slipway';

let api: TestSlipway;

beforeAll(async () => {
  api = await startTestSlipway();
}, 60_000);
afterAll(async () => api.close());

interface SettingView {
  id: string;
  spec: { version: number };
  status: { appliedVersion?: number };
  activeRunId: string | null;
}

const get = async (id: string) => (await api.request('GET', `/v1/settings/${id}`)).json<SettingView>();

async function runsOf(id: string): Promise<{ id: string; reason: string | null; input?: object }[]> {
  return (await api.request('GET', `/v1/runs?resourceId=${id}&limit=200`)).json().items;
}

async function transitionCount(id: string): Promise<number> {
  return (await api.request('GET', `/v1/transitions?resourceId=${id}&limit=200`)).json().items.length;
}

describe('rolling a setting back', () => {
  it('is one run: refused while another run is active (409), changing nothing and recording nothing', async () => {
    const created = await api.request('POST', '/v1/settings', {
      body: { name: 'busy', spec: { key: 'BUSY', value: 'v1' } },
    });
    const { id } = created.json<SettingView>();
    for (let round = 0; round < 10; round++) {
      await api.request('PATCH', `/v1/settings/${id}`, {
        body: { spec: { key: 'BUSY', value: `v${round + 2}` } },
      });
      const before = await get(id);
      const applying = await api.request('POST', `/v1/settings/${id}/runs`, {
        body: { target: 'active', reason: 'apply the newest' },
      });
      expect(applying.statusCode, applying.body).toBe(202);
      const runsBefore = await runsOf(id);
      const rollback = await api.request('POST', `/v1/settings/${id}/rollback`, {
        body: { version: 1, reason: 'refused' },
      });
      await api.waitForRun(applying.json().id);
      if (rollback.statusCode === 202) {
        // The run ended before the rollback came in: let that one end too and try again.
        await api.waitForRun(rollback.json().id);
        continue;
      }
      expect(rollback.statusCode, rollback.body).toBe(409);
      expect(rollback.json().code).toBe('run_conflict');
      const after = await get(id);
      expect(after.spec).toEqual(before.spec);
      expect(after.status.appliedVersion).toBe(before.spec.version);
      expect(await runsOf(id)).toHaveLength(runsBefore.length);
      return;
    }
    expect.fail('every run ended before the rollback was sent');
  });

  it('racing a run to active, never lets that run apply the rollback version under its own reason', async () => {
    const created = await api.request('POST', '/v1/settings', {
      body: { name: 'raced', spec: { key: 'RACED', value: 'v1' } },
    });
    const { id } = created.json<SettingView>();
    await api.waitForRun(
      (await api.request('POST', `/v1/settings/${id}/runs`, { body: { target: 'active' } })).json().id,
    );
    let rollbacksAdmitted = 0;
    for (let round = 0; round < 20; round++) {
      const patched = await api.request('PATCH', `/v1/settings/${id}`, {
        body: { spec: { key: 'RACED', value: `v${round + 2}` } },
      });
      expect(patched.statusCode, patched.body).toBe(200);
      const newest = patched.json<SettingView>().spec.version;
      const recordsBefore = await transitionCount(id);
      const [rollback, plain] = await Promise.all([
        api.request('POST', `/v1/settings/${id}/rollback`, { body: { version: 1, reason: 'race' } }),
        api.request('POST', `/v1/settings/${id}/runs`, { body: { target: 'active', reason: 'newest' } }),
      ]);
      for (const response of [rollback, plain]) {
        expect([202, 409], response.body).toContain(response.statusCode);
        if (response.statusCode === 202) await api.waitForRun(response.json().id);
      }
      if (rollback.statusCode === 202) {
        rollbacksAdmitted += 1;
        expect(rollback.json().input).toEqual({ version: 1 });
      }
      const after = await get(id);
      expect(after.spec.version).toBe(newest);
      expect((await runsOf(id)).filter((run) => run.reason?.startsWith('Rollback'))).toHaveLength(
        rollbacksAdmitted,
      );
      if (rollback.statusCode === 409) {
        // Refused: the run that was admitted applies what it was asked to, the newest version.
        expect(plain.statusCode).toBe(202);
        expect(after.status.appliedVersion).toBe(newest);
      } else if (plain.statusCode === 409) {
        expect(after.status.appliedVersion).toBe(1);
      }
      // Each admitted run is two records (to applying, to active); a refused one is none.
      const admitted = [rollback, plain].filter((response) => response.statusCode === 202).length;
      expect(await transitionCount(id)).toBe(recordsBefore + 2 * admitted);
    }
  });
});
