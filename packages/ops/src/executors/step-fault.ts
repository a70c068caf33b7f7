import type { KindBinding, KindProvider } from '@slipway/domain';

/**
 * The test-only crash point, read from the environment: `SLIPWAY_FAULT=step:<kind>.<step>` names
 * a provider step at whose start the process kills itself. Honoured only with `NODE_ENV=test`, so
 * a stray variable in production does nothing.
 */
export function stepFaultFrom(env: NodeJS.ProcessEnv): string | undefined {
  if (env.NODE_ENV !== 'test') return undefined;
  const fault = env.SLIPWAY_FAULT || undefined;
  // `http:`, `mongo:`, `migration:` and `ec2:` name the HTTP layer's, the MongoDB store's, the
  // service migration's and the AWS clients' fault points.
  return fault && OTHER_LAYERS.some((prefix) => fault.startsWith(prefix)) ? undefined : fault;
}

const OTHER_LAYERS = ['http:', 'mongo:', 'migration:', 'ec2:'];

/**
 * Makes the process die with SIGKILL as the named step starts (after the walker recorded its
 * attempt, before the provider does anything), so crash tests kill exactly there and every time.
 * Without a fault the providers are returned as they are; a name that matches no step throws, so
 * a typo in a test fails loudly instead of testing nothing.
 */
export function withStepFault(
  providers: ReadonlyMap<string, KindProvider>,
  fault: string | undefined,
): Map<string, KindProvider> {
  const result = new Map(providers);
  if (!fault) return result;
  const match = /^step:([a-z][a-z0-9-]*)\.([a-z][a-zA-Z0-9-]*)$/.exec(fault);
  const provider = match ? providers.get(match[1]!) : undefined;
  const step = match?.[2];
  if (!match || !provider || !step || !provider.steps[step]) {
    throw new Error(
      `SLIPWAY_FAULT: "${fault}" names no provider step (expected step:<kind>.<step>, e.g. step:image.build)`,
    );
  }
  result.set(match[1]!, {
    ...provider,
    steps: {
      ...provider.steps,
      [step]: async () => {
        process.kill(process.pid, 'SIGKILL');
        // SIGKILL is not delivered synchronously; nothing of the step may run meanwhile.
        return new Promise(() => {});
      },
    },
  });
  return result;
}

/** `withStepFault` over an engine's bindings, in their order. */
export function bindingsWithStepFault(
  bindings: readonly KindBinding[],
  fault: string | undefined,
): KindBinding[] {
  const providers = withStepFault(
    new Map(bindings.map(({ kind, provider }) => [kind.name, provider])),
    fault,
  );
  return bindings.map(({ kind }) => ({ kind, provider: providers.get(kind.name)! }));
}
