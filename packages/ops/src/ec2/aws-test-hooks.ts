import type { AwsMiddleware } from './aws-clients';

/** Sends every request of a client as the given moto account (moto keeps accounts apart by this header). */
export function motoAccount(accountId: string): AwsMiddleware {
  return (stack) =>
    stack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers['x-moto-account-id'] = accountId;
        return next(args);
      },
      { step: 'build', name: 'motoAccount' },
    );
}

/**
 * Kills the process with SIGKILL right after `action` answered (`SLIPWAY_FAULT=ec2:after:RunInstances`),
 * before the step can record anything: what a crash between a cloud call and its transition leaves.
 */
function killAfter(action: string): AwsMiddleware {
  return (stack) =>
    stack.add(
      (next, context) => async (args) => {
        const answer = await next(args);
        if (context.commandName === `${action}Command`) {
          process.stderr.write(`slipway: fault point ec2:after:${action} reached\n`);
          process.kill(process.pid, 'SIGKILL');
          // SIGKILL is not delivered synchronously; nothing of the step may run meanwhile.
          await new Promise<never>(() => {});
        }
        return answer;
      },
      { step: 'initialize', name: 'faultPoint' },
    );
}

/**
 * The test-only hooks into every AWS client, honoured only with NODE_ENV=test: the moto account
 * of a suite (`SLIPWAY_MOTO_ACCOUNT`) and the crash point `SLIPWAY_FAULT=ec2:after:<Action>`.
 */
export function awsTestMiddleware(env: NodeJS.ProcessEnv): AwsMiddleware[] {
  if (env.NODE_ENV !== 'test') return [];
  const middleware: AwsMiddleware[] = [];
  if (env.SLIPWAY_MOTO_ACCOUNT) middleware.push(motoAccount(env.SLIPWAY_MOTO_ACCOUNT));
  const fault = env.SLIPWAY_FAULT ?? '';
  if (fault.startsWith('ec2:')) {
    const action = /^ec2:after:([A-Z][A-Za-z0-9]+)$/.exec(fault)?.[1];
    if (!action) {
      throw new Error(`SLIPWAY_FAULT: "${fault}" is not ec2:after:<Action> (e.g. ec2:after:RunInstances)`);
    }
    middleware.push(killAfter(action));
  }
  return middleware;
}
