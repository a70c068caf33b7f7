import { describe, expect, it } from 'vitest';
import { planPath } from '../engine/plan-path';
import { nextState } from '../engine/run-walker';
import { clusterKind } from './cluster-kind';
import { KindRegistry } from './kind-registry';

const cluster = new KindRegistry([clusterKind]).get('cluster');
const STATES = [
  'pending',
  'launching',
  'verifying',
  'ready',
  'promoting',
  'live',
  'standby',
  'failed',
  'destroying',
  'destroyed',
];
const EVENTS = ['LAUNCH', 'PROMOTE', 'DEMOTE', 'VERIFY', 'DESTROY', 'SUCCESS', 'FAILURE', 'CANCEL'];

/** The whole table: every (state, event) pair is either here or refused. */
const ALLOWED: Record<string, string> = {
  'pending LAUNCH': 'launching',
  'pending DESTROY': 'destroying',
  'launching SUCCESS': 'verifying',
  'launching FAILURE': 'failed',
  'launching CANCEL': 'pending',
  'verifying SUCCESS': 'ready',
  'verifying FAILURE': 'failed',
  'verifying CANCEL': 'failed',
  'ready PROMOTE': 'promoting',
  'ready DESTROY': 'destroying',
  'promoting SUCCESS': 'live',
  'promoting FAILURE': 'failed',
  'promoting CANCEL': 'failed',
  'live DEMOTE': 'standby',
  'live VERIFY': 'live',
  'live DESTROY': 'destroying',
  'standby PROMOTE': 'promoting',
  'standby VERIFY': 'standby',
  'standby DESTROY': 'destroying',
  'failed LAUNCH': 'launching',
  'failed DESTROY': 'destroying',
  'destroying SUCCESS': 'destroyed',
  'destroying FAILURE': 'failed',
  'destroying CANCEL': 'failed',
};

const path = (from: string, to: string) =>
  planPath(cluster.graph, from, to)?.map((edge) => `${edge.from}-${edge.event}->${edge.to}`) ?? null;

describe('cluster machine', () => {
  for (const state of STATES) {
    for (const event of EVENTS) {
      const expected = ALLOWED[`${state} ${event}`];
      if (expected) {
        it(`allows ${event} in ${state} → ${expected}`, () => {
          expect(nextState(cluster, state, event)).toBe(expected);
        });
      } else {
        it(`refuses ${event} in ${state}`, () => {
          expect(() => nextState(cluster, state, event)).toThrow(/not allowed/);
        });
      }
    }
  }

  it('binds launch, verify, promote and destroy to the working states', () => {
    const steps = Object.fromEntries(cluster.graph.states.map((state) => [state.name, state.step]));
    expect(steps).toEqual({
      pending: null,
      launching: 'launch',
      verifying: 'verify',
      ready: null,
      promoting: 'promote',
      live: null,
      standby: null,
      failed: null,
      destroying: 'destroy',
      destroyed: null,
    });
    expect([...cluster.terminalStates]).toEqual(['destroyed']);
  });

  it('plans pending → live through launching, verifying, ready and promoting', () => {
    expect(path('pending', 'live')).toEqual([
      'pending-LAUNCH->launching',
      'launching-SUCCESS->verifying',
      'verifying-SUCCESS->ready',
      'ready-PROMOTE->promoting',
      'promoting-SUCCESS->live',
    ]);
  });

  it('swaps back: plans standby → live through promoting', () => {
    expect(path('standby', 'live')).toEqual(['standby-PROMOTE->promoting', 'promoting-SUCCESS->live']);
  });

  it('never plans through the engine-only events DEMOTE and VERIFY', () => {
    expect(path('live', 'standby')).toBeNull();
    expect(cluster.graph.edges.filter((edge) => edge.internal).map((edge) => edge.event)).toEqual([
      'DEMOTE',
      'VERIFY',
      'VERIFY',
    ]);
    // live → destroyed goes straight to destroying, not through standby.
    expect(path('live', 'destroyed')).toEqual(['live-DESTROY->destroying', 'destroying-SUCCESS->destroyed']);
  });

  it('cannot reach ready again from live or standby, and nothing from destroyed', () => {
    expect(path('live', 'ready')).toBeNull();
    expect(path('standby', 'ready')).toBeNull();
    expect(path('destroyed', 'live')).toBeNull();
  });

  it('declares live exclusive per service, and destroying a live cluster as needing force', () => {
    expect(clusterKind.exclusive).toEqual({ state: 'live', groupField: 'service', displaceEvent: 'DEMOTE' });
    expect(clusterKind.targets.destroyed).toMatchObject({ reasonRequired: true, forceFrom: ['live'] });
    expect(clusterKind.actions?.verify).toMatchObject({ step: 'verify', allowedIn: ['live', 'standby'] });
  });
});
