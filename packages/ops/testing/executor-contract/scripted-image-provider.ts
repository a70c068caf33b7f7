import {
  failed,
  type imageKind,
  type ProviderFor,
  type StepContext,
  type StepOutcome,
  succeeded,
} from '@slipway/domain';

/** How the build step behaves for one image. */
export type BuildScript = (context: StepContext) => Promise<StepOutcome>;

export interface ProviderCall {
  resource: string;
  step: string;
  attempt: number;
  token: string;
}

/**
 * An image provider whose build steps the test scripts per image name: it stands for the cloud,
 * and records what the engine asked of it, per idempotency token.
 */
export class ScriptedImageProvider {
  readonly calls: ProviderCall[] = [];
  /** Abort reasons the build steps saw, by image name. */
  readonly aborts: { resource: string; reason: unknown }[] = [];
  cleanups: string[] = [];
  private readonly scripts = new Map<string, BuildScript>();

  readonly provider: ProviderFor<typeof imageKind> = {
    backend: 'scripted',
    steps: {
      build: async (context) => {
        const resource = context.resource.name;
        this.calls.push({
          resource,
          step: context.step,
          attempt: context.attempt,
          token: context.idempotencyToken,
        });
        context.signal.addEventListener(
          'abort',
          () => this.aborts.push({ resource, reason: context.signal.reason }),
          {
            once: true,
          },
        );
        return (this.scripts.get(resource) ?? (async () => succeeded({ path: `/images/${resource}` })))(
          context,
        );
      },
      destroy: async () => succeeded(),
    },
    cleanup: async (context) => {
      this.cleanups.push(context.resource.name);
    },
  };

  /** Scripts the build of the named image; unscripted builds succeed at once. */
  script(name: string, build: BuildScript): void {
    this.scripts.set(name, build);
  }

  callsFor(name: string): ProviderCall[] {
    return this.calls.filter((call) => call.resource === name);
  }

  /** Resolves once the named image's build has been called `count` times. */
  async started(name: string, count = 1, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.callsFor(name).length < count) {
      if (Date.now() > deadline)
        throw new Error(`the build of ${name} was not called ${count} time(s) within ${timeoutMs}ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** A build that runs until its signal aborts, as a long cloud call does, then reports the abort. */
export function untilAborted(context: StepContext): Promise<StepOutcome> {
  return new Promise((resolve) => {
    const done = () => resolve(failed('aborted', `aborted: ${String(context.signal.reason)}`));
    if (context.signal.aborted) done();
    else context.signal.addEventListener('abort', done, { once: true });
  });
}

/** Holds builds until the test opens it; an abort ends a held build too. */
export class Gate {
  private opened = false;
  private readonly waiters: (() => void)[] = [];

  open(): void {
    this.opened = true;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** A build that waits for the gate (or an abort), then succeeds. */
  readonly build: BuildScript = (context) =>
    new Promise((resolve) => {
      if (context.signal.aborted) return resolve(failed('aborted', 'aborted before the gate opened'));
      context.signal.addEventListener('abort', () => resolve(failed('aborted', 'aborted at the gate')), {
        once: true,
      });
      if (this.opened) return resolve(succeeded({ gated: true }));
      this.waiters.push(() => resolve(succeeded({ gated: true })));
    });
}
