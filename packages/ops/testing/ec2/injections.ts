import type { AwsMiddleware } from '../../src/ec2/aws-clients';

/**
 * What moto cannot produce, injected on top of it (moto still does the real work underneath).
 * Each is a middleware around a client's calls, matched by the SDK's command name.
 */
interface Call {
  commandName: string;
  input: Record<string, unknown>;
}

type Around = (call: Call, send: () => Promise<{ output: unknown }>) => Promise<{ output: unknown }>;

/**
 * `inside` the SDK's retry loop (an error there is retried like one from EC2), else outside it
 * (the caller sees what the SDK finally answered).
 */
function around(name: string, handler: Around, inside = false): AwsMiddleware {
  const wrap =
    <A extends { input: object }, R>(next: (args: A) => Promise<R>, context: { commandName?: string }) =>
    async (args: A): Promise<R> => {
      const call = { commandName: String(context.commandName), input: args.input as Record<string, unknown> };
      return (await handler(call, () => next(args) as Promise<{ output: unknown }>)) as R;
    };
  return (stack) => {
    if (inside)
      stack.add((next, context) => wrap(next, context), { step: 'finalizeRequest', priority: 'low', name });
    else stack.add((next, context) => wrap(next, context), { step: 'initialize', name });
  };
}

/** An SDK-shaped service error, as EC2 answers it. */
function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  Object.assign(error, { $fault: 'client', $metadata: { httpStatusCode: 503 } });
  return error;
}

/**
 * Builders launched with `instanceType` (the slow marker) report `initializing` until some later
 * call looks them up by tag, as a resumed attempt does: the first attempt waits until aborted, the
 * resumed one finds its builder ready.
 */
export function slowBuilders(instanceType: string): AwsMiddleware {
  const held = new Set<string>();
  return around('slowBuilders', async (call, send) => {
    const answer = await send();
    const output = answer.output as {
      Instances?: { InstanceId?: string }[];
      InstanceStatuses?: { InstanceId?: string; InstanceStatus?: { Status?: string } }[];
    };
    if (call.commandName === 'RunInstancesCommand' && call.input.InstanceType === instanceType) {
      for (const instance of output.Instances ?? []) if (instance.InstanceId) held.add(instance.InstanceId);
    }
    if (call.commandName === 'DescribeInstancesCommand' && Array.isArray(call.input.Filters)) held.clear();
    if (call.commandName === 'DescribeInstanceStatusCommand') {
      for (const status of output.InstanceStatuses ?? []) {
        if (status.InstanceId && held.has(status.InstanceId))
          status.InstanceStatus = { Status: 'initializing' };
      }
    }
    return answer;
  });
}

export interface Injected {
  middleware: AwsMiddleware;
  /** How often each command reached moto (after the injection let it through). */
  sent: Map<string, number>;
}

/**
 * The first `times` calls of `commandName` are refused with RequestLimitExceeded before they
 * reach moto, as EC2 throttles: the SDK's retry must carry the call through, once.
 */
export function throttle(commandName: string, times: number): Injected {
  const sent = new Map<string, number>();
  let left = times;
  const middleware = around(
    'throttle',
    async (call, send) => {
      if (call.commandName === commandName && left > 0) {
        left -= 1;
        throw awsError('RequestLimitExceeded', 'Request limit exceeded.');
      }
      sent.set(call.commandName, (sent.get(call.commandName) ?? 0) + 1);
      return send();
    },
    true,
  );
  return { middleware, sent };
}

/**
 * The first `commandName` reaches moto and succeeds, but its answer is lost on the way back (a
 * timeout after EC2 did the work, past the SDK's retries): the caller sees an error although the
 * thing exists, and must find it instead of creating it again.
 */
export function loseAnswer(commandName: string): Injected {
  const sent = new Map<string, number>();
  let lost = false;
  const middleware = around('loseAnswer', async (call, send) => {
    const answer = await send();
    sent.set(call.commandName, (sent.get(call.commandName) ?? 0) + 1);
    if (call.commandName === commandName && !lost) {
      lost = true;
      throw awsError('TimeoutError', `the answer to ${commandName} was lost`);
    }
    return answer;
  });
  return { middleware, sent };
}
