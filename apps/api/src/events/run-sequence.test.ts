import { aResource, aRun, aTransition } from '@slipway/persistence/testing';
import { expect, it } from 'vitest';
import { runSequence } from './run-sequence';

const own = aResource({ kind: 'cluster' });
const holder = aResource({ kind: 'cluster' });
const run = aRun(own);

/** A record of `resource` at `seq`, stamped with a time and id that say nothing of its order. */
function recorded(resource: typeof own, seq: number, minute: number, outputs: Record<string, unknown> = {}) {
  const when = `2026-12-02T0${minute}:00:00.000Z`;
  return aTransition({ ...resource, seq: seq - 1 }, run, {
    id: `01ZZ${String(9 - minute).repeat(22)}`,
    startedAt: when,
    endedAt: when,
    outputs,
  });
}

it('orders a run by its own resource\u2019s seq and puts a displacement after the seq it carries, whatever the clocks said', () => {
  // Written in this order, by hosts whose clocks (and so ids) run backwards.
  const requested = recorded(own, 1, 5);
  const displaced = recorded(holder, 7, 3, { displacedBy: own.id, displacedAtSeq: 1 });
  const succeeded = recorded(own, 2, 1);
  const shuffled = [succeeded, displaced, requested];
  expect(runSequence(run, shuffled).map((t) => t.id)).toEqual([requested.id, displaced.id, succeeded.id]);
  expect(runSequence(run, [...shuffled].reverse()).map((t) => t.id)).toEqual([
    requested.id,
    displaced.id,
    succeeded.id,
  ]);
});
