import type { Run, Transition } from '@slipway/domain';

/**
 * Records written before transitions carried their run's context (and runs their groups) lack
 * those fields; they read back with the empty values, never as a response missing a field.
 */
export function withTransitionDefaults(transition: Transition): Transition {
  const stored: Partial<Transition> = transition;
  return {
    ...transition,
    target: stored.target ?? '',
    reason: stored.reason ?? null,
    requestId: stored.requestId ?? null,
    step: stored.step ?? null,
    groups: stored.groups ?? {},
  };
}

export function withRunDefaults(run: Run): Run {
  const stored: Partial<Run> = run;
  return { ...run, groups: stored.groups ?? {}, failingSince: stored.failingSince ?? null };
}
