import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Resource, recordInstantRun } from '@slipway/domain';
import { LmdbStore } from '@slipway/persistence';
import { monotonicFactory } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

describe('recordInstantRun', () => {
  let dir: string;
  let store: LmdbStore;
  const ulid = monotonicFactory();
  const ids = { newId: () => ulid(), now: () => new Date().toISOString() };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-instant-'));
    store = await LmdbStore.open({ path: join(dir, 'db') });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the seq from the resource as stored once the run holds the lock, so a change in between never leaves the run active', async () => {
    const at = ids.now();
    const resource: Resource = {
      id: ids.newId(),
      kind: 'service',
      name: 'web',
      state: 'active',
      version: 1,
      seq: 0,
      spec: {},
      status: {},
      labels: {},
      activeRunId: null,
      createdAt: at,
      updatedAt: at,
    };
    await store.createResource(resource);
    const change = {
      event: 'FREEZE',
      to: 'active',
      reason: 'first',
      requestedBy: 'alice',
      outputs: {},
      status: { frozen: true },
    };
    // A run (a verify) that finished after the caller loaded the resource moved its seq.
    await recordInstantRun(store, { ...change, resource }, ids);
    const { run, transition } = await recordInstantRun(store, { ...change, reason: 'second', resource }, ids);
    expect(run.status).toBe('succeeded');
    expect(transition.seq).toBe(2);
    const stored = await store.getResource(resource.id);
    expect(stored?.activeRunId).toBeNull();
    expect(stored?.seq).toBe(2);
  });
});
