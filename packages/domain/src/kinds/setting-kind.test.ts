import { describe, expect, it } from 'vitest';
import { planPath, planReentry } from '../engine/plan-path';
import { nextState } from '../engine/run-walker';
import { KindRegistry } from './kind-registry';
import { settingKind } from './setting-kind';

const setting = new KindRegistry([settingKind]).get('setting');
const STATES = ['pending', 'applying', 'active', 'failed', 'deleting', 'deleted'];
const EVENTS = ['APPLY', 'DELETE', 'REVEAL', 'REENCRYPT', 'SUCCESS', 'FAILURE', 'CANCEL'];

/** The whole table: every (state, event) pair is either here or refused. */
const ALLOWED: Record<string, string> = {
  'pending APPLY': 'applying',
  'pending DELETE': 'deleting',
  'pending REENCRYPT': 'pending',
  'applying SUCCESS': 'active',
  'applying FAILURE': 'failed',
  'applying CANCEL': 'failed',
  'active APPLY': 'applying',
  'active DELETE': 'deleting',
  'active REVEAL': 'active',
  'active REENCRYPT': 'active',
  'failed APPLY': 'applying',
  'failed DELETE': 'deleting',
  'failed REENCRYPT': 'failed',
  'deleting SUCCESS': 'deleted',
  'deleting FAILURE': 'failed',
  'deleting CANCEL': 'failed',
  'deleted REENCRYPT': 'deleted',
};

const edges = (path: { from: string; event: string; to: string }[] | null) =>
  path?.map((edge) => `${edge.from}-${edge.event}->${edge.to}`) ?? null;

describe('setting machine', () => {
  for (const state of STATES) {
    for (const event of EVENTS) {
      const expected = ALLOWED[`${state} ${event}`];
      it(expected ? `allows ${event} in ${state} → ${expected}` : `refuses ${event} in ${state}`, () => {
        if (expected) expect(nextState(setting, state, event)).toBe(expected);
        else expect(() => nextState(setting, state, event)).toThrow(/not allowed/);
      });
    }
  }

  it('binds apply and delete to the working states, and deleted is terminal', () => {
    const steps = Object.fromEntries(setting.graph.states.map((state) => [state.name, state.step]));
    expect(steps).toEqual({
      pending: null,
      applying: 'apply',
      active: null,
      failed: null,
      deleting: 'delete',
      deleted: null,
    });
    expect([...setting.terminalStates]).toEqual(['deleted']);
  });

  it('applies a new version by re-entering active through applying', () => {
    expect(edges(planPath(setting.graph, 'pending', 'active'))).toEqual([
      'pending-APPLY->applying',
      'applying-SUCCESS->active',
    ]);
    expect(edges(planReentry(setting.graph, 'active', settingKind.targets.active!.reentry!))).toEqual([
      'active-APPLY->applying',
      'applying-SUCCESS->active',
    ]);
    expect(planReentry(setting.graph, 'deleted', 'APPLY')).toBeNull();
  });

  it('never plans through the engine-only events REVEAL and REENCRYPT', () => {
    expect(
      setting.graph.edges
        .filter((edge) => edge.internal)
        .map((edge) => edge.event)
        .sort(),
    ).toEqual(['REENCRYPT', 'REENCRYPT', 'REENCRYPT', 'REENCRYPT', 'REVEAL']);
  });
});
