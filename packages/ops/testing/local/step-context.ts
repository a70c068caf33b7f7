import type { Resource, StepContext } from '@slipway/domain';
import { runningRun } from '../running-run';

export interface StepContextFixture<Spec> extends StepContext<Spec> {
  /** Every line the step logged, in order. */
  lines: string[];
}

/** A StepContext as the run walker would build it, for calling provider steps directly in tests. */
export function stepContext<Spec>(
  spec: Spec,
  overrides: { id?: string; step?: string; attempt?: number; signal?: AbortSignal } = {},
): StepContextFixture<Spec> {
  const now = new Date().toISOString();
  const id = overrides.id ?? 'img-test';
  const step = overrides.step ?? 'build';
  const resource: Resource<Spec> = {
    id,
    kind: 'image',
    name: `${id}-name`,
    state: step === 'destroy' ? 'destroying' : 'building',
    version: 1,
    seq: 1,
    spec,
    status: {},
    labels: {},
    activeRunId: 'run-test',
    createdAt: now,
    updatedAt: now,
  };
  const run = runningRun({
    id: 'run-test',
    resourceId: id,
    kind: 'image',
    target: step === 'destroy' ? 'destroyed' : 'built',
    requestedBy: 'tester',
    fromState: 'pending',
    step,
    attempt: overrides.attempt ?? 1,
  });
  const lines: string[] = [];
  return {
    resource,
    run,
    step,
    attempt: overrides.attempt ?? 1,
    idempotencyToken: `${run.id}:${step}`,
    signal: overrides.signal ?? new AbortController().signal,
    log: (line) => lines.push(line),
    lines,
  };
}
