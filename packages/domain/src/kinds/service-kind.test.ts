import { describe, expect, it } from 'vitest';
import { planPath } from '../engine/plan-path';
import { nextState } from '../engine/run-walker';
import { KindRegistry } from './kind-registry';
import { serviceKind } from './service-kind';

const service = new KindRegistry([serviceKind]).get('service');
const STATES = ['pending', 'provisioning', 'active', 'failed', 'destroying', 'destroyed'];
const EVENTS = [
  'PROVISION',
  'ADOPT',
  'VERIFY',
  'REPAIR',
  'FREEZE',
  'UNFREEZE',
  'DESTROY',
  'SUCCESS',
  'FAILURE',
  'CANCEL',
];

/** The whole table: every (state, event) pair is either here or refused. */
const ALLOWED: Record<string, string> = {
  'pending PROVISION': 'provisioning',
  'pending ADOPT': 'active',
  'pending DESTROY': 'destroying',
  'provisioning SUCCESS': 'active',
  'provisioning FAILURE': 'failed',
  'provisioning CANCEL': 'pending',
  'active VERIFY': 'active',
  'active REPAIR': 'active',
  'active FREEZE': 'active',
  'active UNFREEZE': 'active',
  'active DESTROY': 'destroying',
  'failed PROVISION': 'provisioning',
  'failed DESTROY': 'destroying',
  'destroying SUCCESS': 'destroyed',
  'destroying FAILURE': 'failed',
  'destroying CANCEL': 'failed',
};

describe('service machine', () => {
  for (const state of STATES) {
    for (const event of EVENTS) {
      const expected = ALLOWED[`${state} ${event}`];
      if (expected) {
        it(`allows ${event} in ${state} → ${expected}`, () => {
          expect(nextState(service, state, event)).toBe(expected);
        });
      } else {
        it(`refuses ${event} in ${state}`, () => {
          expect(() => nextState(service, state, event)).toThrow(/not allowed/);
        });
      }
    }
  }

  it('binds provision and destroy to the working states; verify and repair are actions', () => {
    const steps = Object.fromEntries(service.graph.states.map((state) => [state.name, state.step]));
    expect(steps).toEqual({
      pending: null,
      provisioning: 'provision',
      active: null,
      failed: null,
      destroying: 'destroy',
      destroyed: null,
    });
    expect(serviceKind.actions).toMatchObject({
      verify: { event: 'VERIFY', step: 'verify', allowedIn: ['active'] },
      repair: { event: 'REPAIR', step: 'repair', allowedIn: ['active'] },
    });
    expect([...service.terminalStates]).toEqual(['destroyed']);
  });

  it('plans pending → active through provisioning, never through ADOPT, which only the migration records', () => {
    expect(
      planPath(service.graph, 'pending', 'active')?.map((edge) => `${edge.from}-${edge.event}->${edge.to}`),
    ).toEqual(['pending-PROVISION->provisioning', 'provisioning-SUCCESS->active']);
    expect(planPath(service.graph, 'failed', 'active')?.map((edge) => edge.to)).toEqual([
      'provisioning',
      'active',
    ]);
    expect(planPath(service.graph, 'active', 'destroyed')?.map((edge) => edge.to)).toEqual([
      'destroying',
      'destroyed',
    ]);
  });

  it('needs a reason to destroy', () => {
    expect(serviceKind.targets.destroyed?.reasonRequired).toBe(true);
  });
});
