import type {
  AnyKindDefinition,
  ProviderFor,
  Resource,
  SpecOf,
  StepContext,
  StepOf,
  StepOutcome,
} from '@slipway/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runningRun } from '../running-run';

/** One step of the happy path, in the state the machine runs it in. */
export interface PathStep<K extends AnyKindDefinition> {
  step: StepOf<K>;
  state: string;
}

/** A provider over a sandbox of its own (a data directory, processes), made fresh for each case. */
export interface ProviderSandbox<K extends AnyKindDefinition> {
  provider: ProviderFor<K>;
  /** A spec every step of `path` succeeds with. */
  spec: SpecOf<K>;
  /** From the initial state to the end of the resource's life: every step the provider implements. */
  path: readonly PathStep<K>[];
  /**
   * Looks at the real thing, not at what the provider answered, and says what does not hold of
   * the step's promise (empty when it holds): files present, processes answering, ports closed.
   */
  unmet(step: StepOf<K>, resource: Resource<SpecOf<K>>, outputs: Record<string, unknown>): Promise<string[]>;
  /** What the resource holds in the real world now (processes, directories): empty when nothing. */
  footprint(resource: Resource<SpecOf<K>>): Promise<string[]>;
  /** A step and a spec with which the step goes through its motions but cannot achieve its effect. */
  unprovable: { step: StepOf<K>; spec: SpecOf<K> };
  /** A step and a spec with which the step holds something (a footprint) for long enough to abort it. */
  slow: { step: StepOf<K>; spec: SpecOf<K> };
  /** Values that must never appear in outputs or logs (tokens, planted environment secrets). */
  secrets(resource: Resource<SpecOf<K>>): Promise<string[]>;
  close(): Promise<void>;
}

export interface ProviderContractSubject<K extends AnyKindDefinition> {
  /** Names the suite: `local image provider`. */
  name: string;
  kind: K;
  open(): Promise<ProviderSandbox<K>>;
}

let sequence = 0;

/** A resource of the kind, in `state`, as the store would hand it to the walker. */
function resourceOf<K extends AnyKindDefinition>(
  kind: K,
  spec: SpecOf<K>,
  state: string,
): Resource<SpecOf<K>> {
  const now = new Date().toISOString();
  sequence += 1;
  return {
    id: `contract${process.pid}x${sequence}`,
    kind: kind.name,
    name: `contract-${sequence}`,
    state,
    version: 1,
    seq: 0,
    spec,
    status: {},
    labels: {},
    activeRunId: 'run-contract',
    createdAt: now,
    updatedAt: now,
  };
}

interface Called {
  outcome: StepOutcome;
  lines: string[];
  context: StepContext<unknown>;
}

async function call<K extends AnyKindDefinition>(
  sandbox: ProviderSandbox<K>,
  resource: Resource<SpecOf<K>>,
  step: StepOf<K>,
  options: { attempt?: number; signal?: AbortSignal; state?: string } = {},
): Promise<Called> {
  const lines: string[] = [];
  const context: StepContext<SpecOf<K>> = {
    resource: { ...resource, state: options.state ?? resource.state },
    run: runningRun({
      id: 'run-contract',
      resourceId: resource.id,
      kind: resource.kind,
      target: 'contract',
      requestedBy: 'contract',
      fromState: resource.state,
      step,
      attempt: options.attempt ?? 1,
    }),
    step,
    attempt: options.attempt ?? 1,
    // The walker's token: the same on every attempt of the step of the run.
    idempotencyToken: `run-contract:${step}`,
    signal: options.signal ?? new AbortController().signal,
    log: (line) => lines.push(line),
  };
  const handler = (
    sandbox.provider.steps as Record<string, (context: StepContext<SpecOf<K>>) => Promise<StepOutcome>>
  )[step]!;
  return { outcome: await handler(context), lines, context: context as StepContext<unknown> };
}

function describeOutcome({ outcome, lines }: Called): string {
  return outcome.ok ? 'ok' : `${outcome.error.code}: ${outcome.error.message}\n${lines.join('\n')}`;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 3000; i += 1) {
    if (await check()) return;
    await new Promise((done) => setTimeout(done, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/**
 * What every provider of a kind must do, whatever its backend: prove its result before it answers
 * success, honour the abort signal and clean up, be idempotent when a step is re-entered after a
 * crash, and report outputs without secrets. Each case runs real steps against the sandbox the
 * subject opens (real processes, real files); the local providers pass it, the EC2 provider will.
 */
export function describeProviderContract<K extends AnyKindDefinition>(
  subject: ProviderContractSubject<K>,
): void {
  describe(`provider contract: ${subject.name}`, () => {
    let sandbox: ProviderSandbox<K>;
    beforeEach(async () => {
      sandbox = await subject.open();
    });
    afterEach(async () => {
      await sandbox.close();
    });

    /** Walks the path up to (not including) step `upTo`; returns the resource as it then is. */
    async function walkTo(resource: Resource<SpecOf<K>>, upTo?: StepOf<K>): Promise<Resource<SpecOf<K>>> {
      let current = resource;
      for (const { step, state } of sandbox.path) {
        if (step === upTo) return { ...current, state };
        const called = await call(sandbox, current, step, { state });
        expect(called.outcome.ok, `${step}: ${describeOutcome(called)}`).toBe(true);
        current = { ...current, state, status: called.outcome.outputs ?? {} };
      }
      return current;
    }

    it('proves each step of its path before answering success: the promised effect holds', async () => {
      let resource = resourceOf(subject.kind, sandbox.spec, sandbox.path[0]!.state);
      for (const { step, state } of sandbox.path) {
        const called = await call(sandbox, resource, step, { state });
        expect(called.outcome.ok, `${step}: ${describeOutcome(called)}`).toBe(true);
        expect(await sandbox.unmet(step, resource, called.outcome.outputs ?? {}), step).toEqual([]);
        resource = { ...resource, state, status: called.outcome.outputs ?? {} };
      }
      expect(await sandbox.footprint(resource), 'the end of the path leaves nothing').toEqual([]);
    });

    it('answers failure, not success, when the effect cannot be proved', async () => {
      const { step, spec } = sandbox.unprovable;
      const resource = await walkTo(resourceOf(subject.kind, spec, sandbox.path[0]!.state), step);
      const called = await call(sandbox, resource, step);
      expect(called.outcome.ok, describeOutcome(called)).toBe(false);
    });

    it('honours the abort signal: the step answers failure, and cleanup leaves nothing behind', async () => {
      const { step, spec } = sandbox.slow;
      const resource = await walkTo(resourceOf(subject.kind, spec, sandbox.path[0]!.state), step);
      const before = await sandbox.footprint(resource);
      const abort = new AbortController();
      const pending = call(sandbox, resource, step, { signal: abort.signal });
      await until(
        async () => (await sandbox.footprint(resource)).length > before.length,
        `${step} to hold something`,
      );
      abort.abort('cancelled');
      const called = await pending;
      expect(called.outcome.ok, describeOutcome(called)).toBe(false);
      await sandbox.provider.cleanup?.(called.context as StepContext<SpecOf<K>>);
      expect(await sandbox.footprint(resource)).toEqual(before);
    });

    it('is idempotent when a step is re-entered after a crash: after a partial attempt and after a finished one', async () => {
      const { step } = sandbox.slow;
      // A partial attempt: stopped half way and never cleaned up, as a killed process leaves it.
      const first = await walkTo(resourceOf(subject.kind, sandbox.spec, sandbox.path[0]!.state), step);
      const abort = new AbortController();
      const slowResource = { ...first, spec: sandbox.slow.spec };
      const pending = call(sandbox, slowResource, step, { signal: abort.signal });
      await until(
        async () => (await sandbox.footprint(slowResource)).length > 0,
        `${step} to hold something`,
      );
      abort.abort('crash');
      await pending;
      // The same step of the same run again, attempt 2, now with a spec that can succeed.
      const second = await call(sandbox, first, step, { attempt: 2 });
      expect(second.outcome.ok, describeOutcome(second)).toBe(true);
      expect(await sandbox.unmet(step, first, second.outcome.outputs ?? {})).toEqual([]);
      const once = await sandbox.footprint(first);
      // And once more after it finished: the effect holds, and nothing is held twice.
      const third = await call(sandbox, first, step, { attempt: 3 });
      expect(third.outcome.ok, describeOutcome(third)).toBe(true);
      expect(await sandbox.unmet(step, first, third.outcome.outputs ?? {})).toEqual([]);
      expect((await sandbox.footprint(first)).length).toBe(once.length);
    });

    it('reports outputs and log lines without secrets', async () => {
      let resource = resourceOf(subject.kind, sandbox.spec, sandbox.path[0]!.state);
      const reported: string[] = [];
      for (const { step, state } of sandbox.path) {
        const called = await call(sandbox, resource, step, { state });
        expect(called.outcome.ok, `${step}: ${describeOutcome(called)}`).toBe(true);
        reported.push(JSON.stringify(called.outcome.outputs ?? {}), ...called.lines);
        for (const secret of await sandbox.secrets(resource)) {
          expect(secret.length, 'a secret worth looking for').toBeGreaterThan(8);
          expect(
            reported.filter((line) => line.includes(secret)),
            `${step} reported a secret`,
          ).toEqual([]);
        }
        resource = { ...resource, state, status: called.outcome.outputs ?? {} };
      }
    });
  });
}
