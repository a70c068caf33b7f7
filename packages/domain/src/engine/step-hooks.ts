import type { RunErrorCode } from '../errors/error-catalog';
import type { KindProvider, StepContext, StepOutcome } from '../ports/provider';

/**
 * One kind's code run inside another kind's step: settings resolved and pinned as a cluster
 * launches (`before` cluster.launch), discovery published as a cluster goes live (`after`
 * cluster.promote). Hooks run wherever the step runs, on every attempt, with the step's
 * idempotency token, so like a provider step they must be safe to repeat after a crash.
 */
export interface StepHook {
  /** `<owner kind>.<purpose>` (`setting.pin`): names its outputs and its failures. */
  name: string;
  /** The kind and step hooked into; checked against the registered kinds at start. */
  kind: string;
  step: string;
  /**
   * `before`: runs before the provider; its outputs reach the step as `context.hooked[name]`.
   * `after`: runs once the provider succeeded, before `SUCCESS` is recorded, with the step's
   * outputs. Either way its outputs are recorded with the step's under `hooks.<name>`, and a
   * failure fails the step (a `before` failure without calling the provider; an `after` failure
   * once the provider's `cleanup` has undone what the step did, so a failed step leaves no effect).
   */
  phase: 'before' | 'after';
  run(context: HookContext): Promise<HookOutcome>;
}

/**
 * A hook's answer. A `before` hook may also hand the step environment variables for the
 * processes it starts (a launching cluster's resolved settings, secrets among them): they reach
 * the step as `context.environment` and are never recorded, unlike `outputs`.
 */
export type HookOutcome = StepOutcome & { environment?: Readonly<Record<string, string>> };

export interface HookContext extends StepContext {
  /** For an `after` hook, what the provider's step reported; empty for `before`. */
  stepOutputs: Readonly<Record<string, unknown>>;
}

/** Registration problems of hooks: each must name a registered kind and one of its steps. */
export function hookProblems(
  hooks: readonly StepHook[],
  stepsByKind: ReadonlyMap<string, readonly string[]>,
): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const hook of hooks) {
    if (names.has(hook.name)) problems.push(`hook "${hook.name}" is registered twice`);
    names.add(hook.name);
    const steps = stepsByKind.get(hook.kind);
    if (!steps) problems.push(`hook "${hook.name}" hooks into kind "${hook.kind}", which is not registered`);
    else if (!steps.includes(hook.step)) {
      problems.push(
        `hook "${hook.name}" hooks into step "${hook.step}" of ${hook.kind}, which has steps ${steps.join(', ')}`,
      );
    }
  }
  return problems;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function undoStep(provider: KindProvider | undefined, context: StepContext): Promise<void> {
  try {
    await provider?.cleanup?.(context);
  } catch (error) {
    context.log(`cleanup after the failed hook failed: ${messageOf(error)}`);
  }
}

async function runHook(hook: StepHook, context: HookContext): Promise<HookOutcome> {
  try {
    return await hook.run(context);
  } catch (error) {
    context.log(`hook ${hook.name} threw: ${messageOf(error)}`);
    const code: RunErrorCode = 'hook_failed';
    return { ok: false, error: { code, message: `Hook ${hook.name}: ${messageOf(error)}` } };
  }
}

/**
 * Calls one provider step with the hooks registered for it around it. A missing handler, a
 * throwing provider or a failing hook each become a failed outcome rather than an exception.
 */
export async function callStep(
  provider: KindProvider | undefined,
  kindName: string,
  hooks: readonly StepHook[],
  context: StepContext,
): Promise<StepOutcome> {
  const handler = provider?.steps[context.step];
  if (!handler) {
    return {
      ok: false,
      error: { code: 'no_provider', message: `No provider implements ${kindName}.${context.step}.` },
    };
  }
  const mine = hooks.filter((hook) => hook.kind === kindName && hook.step === context.step);
  const recorded: Record<string, Record<string, unknown>> = {};
  const withHooks = (outputs: Record<string, unknown>) =>
    mine.length === 0 ? outputs : { ...outputs, hooks: { ...recorded } };
  let environment: Record<string, string> | undefined;
  for (const hook of mine.filter((candidate) => candidate.phase === 'before')) {
    const outcome = await runHook(hook, { ...context, hooked: { ...recorded }, stepOutputs: {} });
    recorded[hook.name] = outcome.outputs ?? {};
    if (!outcome.ok) return { ok: false, error: outcome.error, outputs: withHooks({}) };
    if (outcome.environment) environment = { ...environment, ...outcome.environment };
  }
  let outcome: StepOutcome;
  try {
    outcome = await handler({ ...context, hooked: { ...recorded }, ...(environment ? { environment } : {}) });
  } catch (error) {
    context.log(`provider threw: ${messageOf(error)}`);
    const failure: StepOutcome = { ok: false, error: { code: 'provider_error', message: messageOf(error) } };
    return mine.length === 0 ? failure : { ...failure, outputs: withHooks({}) };
  }
  if (!outcome.ok)
    return mine.length === 0 ? outcome : { ...outcome, outputs: withHooks(outcome.outputs ?? {}) };
  for (const hook of mine.filter((candidate) => candidate.phase === 'after')) {
    const after = await runHook(hook, { ...context, hooked: { ...recorded }, stepOutputs: outcome.outputs });
    recorded[hook.name] = after.outputs ?? {};
    if (!after.ok) {
      // The step is about to be recorded as failed: what the provider did must not stay in effect
      // (a promote whose discovery hook failed must not leave traffic on the failed cluster).
      await undoStep(provider, context);
      return { ok: false, error: after.error, outputs: withHooks(outcome.outputs) };
    }
  }
  return { ok: true, outputs: withHooks(outcome.outputs) };
}
