import type { RunErrorCode } from '../errors/error-catalog';
import type { RegisteredKind } from '../kinds/kind-registry';
import type { Resource } from '../model/resource';
import type { Run, RunError } from '../model/run';
import type { StepContext, StepOutcome } from '../ports/provider';
import type { LogExcerpt } from './log-excerpt';
import { callStep } from './step-hooks';
import type { RunWalkerOptions } from './walk-options';

export const DEFAULT_MAX_ATTEMPTS = 5;

/** Calling a kind's provider steps: the context each gets, the hooks around them, the attempt limit. */
export class StepCalls {
  constructor(private readonly options: RunWalkerOptions) {}

  get maxAttempts(): number {
    return this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  /**
   * A step started this often and never answered: whatever walked it died or stopped each time
   * (a crash it causes, a kill, restarts). Another start would likely do the same again.
   */
  exhausted(run: Run, step: string): RunError {
    const code: RunErrorCode = 'attempts_exhausted';
    return {
      code,
      message: `Step "${step}" was started ${run.attempt} times and never finished (the process walking it crashed or stopped each time); the limit is ${this.maxAttempts} attempts, so the run failed instead of trying again.`,
    };
  }

  async call(kind: RegisteredKind, context: StepContext): Promise<StepOutcome> {
    const name = kind.definition.name;
    return callStep(this.options.providers.get(name), name, this.options.hooks ?? [], context);
  }

  context(
    run: Run,
    resource: Resource,
    step: string,
    attempt: number,
    signal: AbortSignal,
    log: LogExcerpt,
  ): StepContext {
    return {
      resource,
      run,
      step,
      attempt,
      idempotencyToken: `${run.id}:${step}`,
      signal,
      log: (line) => log.append(line),
    };
  }

  async cleanup(kind: RegisteredKind, context: StepContext, log: LogExcerpt): Promise<void> {
    try {
      await this.options.providers.get(kind.definition.name)?.cleanup?.(context);
    } catch (error) {
      log.append(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
