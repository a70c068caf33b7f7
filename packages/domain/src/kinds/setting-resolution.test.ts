import { describe, expect, it } from 'vitest';
import type { Resource } from '../model/resource';
import type { SettingSpec } from './setting-kind';
import { resolveSettings } from './setting-resolution';

let next = 0;
function setting(spec: SettingSpec, applied: number | null, state = 'active'): Resource<SettingSpec> {
  next += 1;
  return {
    id: `S${String(next).padStart(4, '0')}`,
    kind: 'setting',
    name: `s-${next}`,
    state,
    version: 1,
    seq: 1,
    spec,
    status: applied === null ? {} : { appliedVersion: applied },
    labels: {},
    activeRunId: null,
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
  };
}

describe('resolveSettings', () => {
  const global = setting({ key: 'GREETING', version: 1 }, 1);
  const env = setting({ key: 'GREETING', environment: 'production', version: 2 }, 2);
  const service = setting({ key: 'GREETING', service: 'web', version: 3 }, 3);
  const both = setting({ key: 'GREETING', environment: 'production', service: 'web', version: 4 }, 4);
  const all = [both, global, service, env];

  it('lets the most specific of the four scopes win, and says which setting and version each key came from', () => {
    const at = (environment: string, svc: string) => resolveSettings(all, { environment, service: svc })[0];
    expect(at('production', 'web')).toEqual({
      key: 'GREETING',
      setting: both.id,
      version: 4,
      scope: 'environment+service',
      sealed: false,
    });
    expect(at('staging', 'web')).toMatchObject({ setting: service.id, version: 3, scope: 'service' });
    expect(at('production', 'api')).toMatchObject({ setting: env.id, version: 2, scope: 'environment' });
    expect(at('staging', 'api')).toMatchObject({ setting: global.id, version: 1, scope: 'global' });
  });

  it('merges keys across scopes and marks secrets without their values', () => {
    const password = setting({ key: 'DB_PASSWORD', environment: 'production', secret: true, version: 1 }, 1);
    const resolved = resolveSettings([...all, password], { environment: 'production', service: 'api' });
    expect(resolved).toEqual([
      { key: 'DB_PASSWORD', setting: password.id, version: 1, scope: 'environment', sealed: true },
      { key: 'GREETING', setting: env.id, version: 2, scope: 'environment', sealed: false },
    ]);
  });

  it('resolves the applied version only, and nothing of a setting never applied or being deleted', () => {
    const pendingMoreSpecific = setting({ key: 'GREETING', service: 'api', version: 1 }, null, 'pending');
    const reapplying = setting({ key: 'COLOR', version: 3 }, 2, 'applying');
    const deleting = setting({ key: 'GREETING', environment: 'staging', version: 1 }, 1, 'deleting');
    const resolved = resolveSettings([global, pendingMoreSpecific, reapplying, deleting], {
      environment: 'staging',
      service: 'api',
    });
    expect(resolved).toEqual([
      { key: 'COLOR', setting: reapplying.id, version: 2, scope: 'global', sealed: false },
      { key: 'GREETING', setting: global.id, version: 1, scope: 'global', sealed: false },
    ]);
  });

  it('breaks a tie in one scope by the older setting, whatever the listing order', () => {
    const older = setting({ key: 'MODE', version: 1 }, 1);
    const newer = setting({ key: 'MODE', version: 1 }, 1);
    for (const order of [
      [older, newer],
      [newer, older],
    ]) {
      expect(resolveSettings(order, { environment: 'default', service: 'web' })[0]?.setting).toBe(older.id);
    }
  });
});
