import { describe, expect, it } from 'vitest';
import { planPath } from '../engine/plan-path';
import { nextState } from '../engine/run-walker';
import { KindRegistry } from './kind-registry';
import { userKind } from './user-kind';

const user = new KindRegistry([userKind]).get('user');
const STATES = ['invited', 'activating', 'active', 'suspending', 'suspended', 'deleting', 'deleted'];
const EVENTS = [
  'ACCEPT',
  'ACTIVATE',
  'SUSPEND',
  'DELETE',
  'ISSUE_TOKEN',
  'REVOKE_TOKEN',
  'SUCCESS',
  'FAILURE',
  'CANCEL',
];

/** The whole table: every (state, event) pair is either here or refused. */
const ALLOWED: Record<string, string> = {
  'invited ACCEPT': 'active',
  'invited DELETE': 'deleting',
  'invited ISSUE_TOKEN': 'invited',
  'invited REVOKE_TOKEN': 'invited',
  'activating SUCCESS': 'active',
  'activating FAILURE': 'suspended',
  'activating CANCEL': 'suspended',
  'active SUSPEND': 'suspending',
  'active DELETE': 'deleting',
  'active ISSUE_TOKEN': 'active',
  'active REVOKE_TOKEN': 'active',
  'suspending SUCCESS': 'suspended',
  'suspending FAILURE': 'suspended',
  'suspending CANCEL': 'suspended',
  'suspended ACTIVATE': 'activating',
  'suspended DELETE': 'deleting',
  'suspended REVOKE_TOKEN': 'suspended',
  'deleting SUCCESS': 'deleted',
  'deleting FAILURE': 'suspended',
  'deleting CANCEL': 'suspended',
};

const edges = (path: { from: string; event: string; to: string }[] | null) =>
  path?.map((edge) => `${edge.from}-${edge.event}->${edge.to}`) ?? null;

describe('user machine', () => {
  for (const state of STATES) {
    for (const event of EVENTS) {
      const expected = ALLOWED[`${state} ${event}`];
      it(expected ? `allows ${event} in ${state} → ${expected}` : `refuses ${event} in ${state}`, () => {
        if (expected) expect(nextState(user, state, event)).toBe(expected);
        else expect(() => nextState(user, state, event)).toThrow(/not allowed/);
      });
    }
  }

  it('never plans the invitation acceptance: no run makes an invited user active', () => {
    expect(planPath(user.graph, 'invited', 'active')).toBeNull();
  });

  it('plans suspension, re-activation and deletion through their steps', () => {
    expect(edges(planPath(user.graph, 'active', 'suspended'))).toEqual([
      'active-SUSPEND->suspending',
      'suspending-SUCCESS->suspended',
    ]);
    expect(edges(planPath(user.graph, 'suspended', 'active'))).toEqual([
      'suspended-ACTIVATE->activating',
      'activating-SUCCESS->active',
    ]);
    expect(edges(planPath(user.graph, 'invited', 'deleted'))).toEqual([
      'invited-DELETE->deleting',
      'deleting-SUCCESS->deleted',
    ]);
  });

  it('needs a reason to suspend or delete', () => {
    expect(userKind.targets.suspended?.reasonRequired).toBe(true);
    expect(userKind.targets.deleted?.reasonRequired).toBe(true);
    expect(userKind.targets.active?.reasonRequired).toBeUndefined();
  });
});
