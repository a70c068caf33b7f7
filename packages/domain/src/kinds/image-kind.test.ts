import { describe, expect, it } from 'vitest';
import { planPath } from '../engine/plan-path';
import { nextState } from '../engine/run-walker';
import { imageKind } from './image-kind';
import { KindRegistry } from './kind-registry';

const image = new KindRegistry([imageKind]).get('image');
const STATES = ['pending', 'building', 'built', 'destroying', 'failed', 'destroyed'];
const EVENTS = ['BUILD', 'DESTROY', 'SUCCESS', 'FAILURE', 'CANCEL'];

/** The whole table: every (state, event) pair is either here or refused. */
const ALLOWED: Record<string, string> = {
  'pending BUILD': 'building',
  'pending DESTROY': 'destroying',
  'building SUCCESS': 'built',
  'building FAILURE': 'failed',
  'building CANCEL': 'pending',
  'built DESTROY': 'destroying',
  'destroying SUCCESS': 'destroyed',
  'destroying FAILURE': 'failed',
  'destroying CANCEL': 'failed',
  'failed BUILD': 'building',
  'failed DESTROY': 'destroying',
};

describe('image machine', () => {
  for (const state of STATES) {
    for (const event of EVENTS) {
      const expected = ALLOWED[`${state} ${event}`];
      if (expected) {
        it(`allows ${event} in ${state} → ${expected}`, () => {
          expect(nextState(image, state, event)).toBe(expected);
        });
      } else {
        it(`refuses ${event} in ${state}`, () => {
          expect(() => nextState(image, state, event)).toThrow(/not allowed/);
        });
      }
    }
  }

  it('binds the build and destroy provider steps to the working states', () => {
    const steps = Object.fromEntries(image.graph.states.map((state) => [state.name, state.step]));
    expect(steps).toEqual({
      pending: null,
      building: 'build',
      built: null,
      destroying: 'destroy',
      failed: null,
      destroyed: null,
    });
    expect([...image.terminalStates]).toEqual(['destroyed']);
  });

  it('plans pending → built through building', () => {
    expect(
      planPath(image.graph, 'pending', 'built')?.map((edge) => `${edge.from}-${edge.event}->${edge.to}`),
    ).toEqual(['pending-BUILD->building', 'building-SUCCESS->built']);
  });

  it('plans built → destroyed and failed → built', () => {
    expect(planPath(image.graph, 'built', 'destroyed')?.map((edge) => edge.to)).toEqual([
      'destroying',
      'destroyed',
    ]);
    expect(planPath(image.graph, 'failed', 'built')?.map((edge) => edge.to)).toEqual(['building', 'built']);
  });

  it('never plans through FAILURE or CANCEL, and not out of a final state', () => {
    expect(planPath(image.graph, 'building', 'failed')).toBeNull();
    expect(planPath(image.graph, 'building', 'pending')).toBeNull();
    expect(planPath(image.graph, 'destroyed', 'built')).toBeNull();
  });

  it('plans nothing when already there', () => {
    expect(planPath(image.graph, 'built', 'built')).toEqual([]);
  });
});
