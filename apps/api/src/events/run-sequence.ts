import type { Run, Transition } from '@slipway/domain';

/**
 * A run's transitions in the order they were recorded, worked out without any clock: ids and
 * `endedAt` are minted by whichever host walks the run, so a worker with a slow clock that resumes
 * a run writes records that sort before those already sent. The run's own resource gives the
 * order: its `seq` is checked and advanced by the store atomically with each record. A holder moved
 * out of an exclusive state (a promotion's displacement) is a record on another resource, written
 * while the own resource stood at `outputs.displacedAtSeq`, so it goes right after that record.
 */
export function runSequence(run: Run, transitions: readonly Transition[]): Transition[] {
  const own = transitions.filter((t) => t.resourceId === run.resourceId).sort((a, b) => a.seq - b.seq);
  const keyed = transitions.map((t) => ({ t, key: sequenceKey(run, t, own) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  return keyed.map((entry) => entry.t);
}

/** [own seq it follows, 0 for a displacement / 1 for the own record, tie-breakers]. */
type SequenceKey = [number, number, string, number];

function sequenceKey(run: Run, t: Transition, own: readonly Transition[]): SequenceKey {
  if (t.resourceId === run.resourceId) return [t.seq, 1, '', 0];
  const at = t.outputs.displacedAtSeq;
  if (typeof at === 'number') return [at + 1, 0, t.resourceId, t.seq];
  // Written before the own seq was carried: placed by time, the only hint such a record has.
  const next = own.find((o) => o.endedAt > t.endedAt);
  return [next ? next.seq : (own.at(-1)?.seq ?? 0) + 1, 0, t.resourceId, t.seq];
}

function compareKeys(a: SequenceKey, b: SequenceKey): number {
  for (let index = 0; index < a.length; index += 1) {
    const x = a[index]!;
    const y = b[index]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
