import type { _InstanceType, Instance } from '@aws-sdk/client-ec2';
import type { Ec2ImageProviderSpec, ImageSpec, StepContext } from '@slipway/domain';
import { type CallLog, logged, maybeDone, type PollOptions, pollUntil } from './aws-calls';
import type { AwsClients } from './aws-clients';
import { tagFilters, tagsOf } from './aws-tags';
import { builderUserData } from './builder-user-data';
import { clientToken } from './client-token';

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

/** Instances tagged with these values that are not terminated (or on their way there). */
export async function liveInstances(
  clients: AwsClients,
  tags: Parameters<typeof tagFilters>[0],
  context: CallLog,
): Promise<Instance[]> {
  const answer = await logged(
    context,
    'ec2:DescribeInstances',
    () =>
      clients.ec2.send(
        new clients.sdk.ec2.DescribeInstancesCommand({
          Filters: [...tagFilters(tags), { Name: 'instance-state-name', Values: LIVE_STATES }],
        }),
      ),
    (found) =>
      `by tags ${JSON.stringify(tags)}: ${found.Reservations?.flatMap((r) => r.Instances ?? []).length ?? 0} live`,
  );
  return answer.Reservations?.flatMap((reservation) => reservation.Instances ?? []) ?? [];
}

/**
 * The builder of this run: the one an earlier attempt launched (found by its run and step tags,
 * since a crash may have come between RunInstances answering and anything being recorded), or a
 * new one. Its ClientToken makes a retried RunInstances a no-op on real EC2 as well.
 */
export async function ensureBuilder(
  clients: AwsClients,
  context: StepContext<ImageSpec>,
  provider: Ec2ImageProviderSpec,
  baseAmi: string,
): Promise<string> {
  const tags = { image: context.resource.id, run: context.run.id, step: context.step, role: 'builder' };
  const existing = (await liveInstances(clients, tags, context))[0]?.InstanceId;
  if (existing) {
    context.log(`builder ${existing} launched by an earlier attempt of this run: reusing it`);
    return existing;
  }
  const launch = () =>
    logged(
      context,
      'ec2:RunInstances',
      () =>
        clients.ec2.send(
          new clients.sdk.ec2.RunInstancesCommand({
            ImageId: baseAmi,
            InstanceType: (provider.instanceType ?? 't3.micro') as _InstanceType,
            MinCount: 1,
            MaxCount: 1,
            ClientToken: clientToken(context.idempotencyToken, 'builder'),
            UserData: Buffer.from(builderUserData(context.resource.spec, provider)).toString('base64'),
            ...(provider.subnetId ? { SubnetId: provider.subnetId } : {}),
            ...(provider.securityGroupIds ? { SecurityGroupIds: provider.securityGroupIds } : {}),
            ...(provider.instanceProfile ? { IamInstanceProfile: { Name: provider.instanceProfile } } : {}),
            TagSpecifications: [
              { ResourceType: 'instance', Tags: tagsOf(tags, `slipway-builder-${context.resource.name}`) },
            ],
          }),
        ),
      (launched) => `builder ${launched.Instances?.[0]?.InstanceId ?? '?'} from ${baseAmi}`,
    );
  let answer: Awaited<ReturnType<typeof launch>>;
  try {
    answer = await launch();
  } catch (error) {
    // The launch may have happened with its answer lost (a timeout past the SDK's retries):
    // what it created carries this run's tags, so look before failing or launching twice.
    if (!maybeDone(error)) throw error;
    const launched = (await liveInstances(clients, tags, context))[0]?.InstanceId;
    if (!launched) throw error;
    context.log(`RunInstances failed (${(error as Error).name}) but builder ${launched} exists: using it`);
    return launched;
  }
  const id = answer.Instances?.[0]?.InstanceId;
  if (!id) throw new Error('RunInstances answered without an instance id');
  return id;
}

/** Until the builder runs and both status checks pass (EC2 runs user data on the way there). */
export async function waitBuilderReady(
  clients: AwsClients,
  instanceId: string,
  context: CallLog,
  poll: PollOptions,
): Promise<void> {
  await pollUntil(async () => {
    const answer = await clients.ec2.send(
      new clients.sdk.ec2.DescribeInstanceStatusCommand({
        InstanceIds: [instanceId],
        IncludeAllInstances: true,
      }),
    );
    const status = answer.InstanceStatuses?.[0];
    const state = status?.InstanceState?.Name ?? 'unknown';
    const checks = `${status?.InstanceStatus?.Status ?? 'unknown'}/${status?.SystemStatus?.Status ?? 'unknown'}`;
    if (state === 'running' && checks === 'ok/ok') {
      context.log(
        `builder ${instanceId} running, status checks ok (request ${answer.$metadata.requestId ?? 'unknown'})`,
      );
      return { done: true, value: undefined };
    }
    if (state !== 'pending' && state !== 'running' && state !== 'unknown') {
      throw new Error(`builder ${instanceId} is ${state}, not running`);
    }
    return { done: false, why: `builder ${instanceId} is ${state}, status checks ${checks}` };
  }, poll);
}

/** Terminates every live instance with these tags; answers the ids it terminated. */
export async function terminateTagged(
  clients: AwsClients,
  tags: Parameters<typeof tagFilters>[0],
  context: CallLog,
): Promise<string[]> {
  const ids = (await liveInstances(clients, tags, context)).flatMap((instance) =>
    instance.InstanceId ? [instance.InstanceId] : [],
  );
  if (ids.length === 0) return [];
  await logged(
    context,
    'ec2:TerminateInstances',
    () => clients.ec2.send(new clients.sdk.ec2.TerminateInstancesCommand({ InstanceIds: ids })),
    () => ids.join(', '),
  );
  return ids;
}
