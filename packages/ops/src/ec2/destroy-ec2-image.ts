import { failed, type ImageSpec, type StepContext, type StepOutcome, succeeded } from '@slipway/domain';
import { awsErrorName } from './aws-calls';
import type { AwsClients } from './aws-clients';
import { deleteSnapshot, deregisterWithSnapshots, taggedImages, taggedSnapshots } from './baked-images';
import { terminateTagged } from './image-builder';

type Tags = { image: string; run?: string };

/**
 * Removes what is tagged with these values: builders, AMIs and their snapshots (EC2 keeps a
 * snapshot after its AMI is deregistered). Then looks again, so success means nothing is left.
 */
export async function removeTagged(
  clients: AwsClients,
  tags: Tags,
  context: StepContext<ImageSpec>,
): Promise<string[]> {
  const builders = await terminateTagged(clients, { ...tags, role: 'builder' }, context);
  if (builders.length > 0) context.log(`terminated builder(s) ${builders.join(', ')}`);
  for (const image of await taggedImages(clients, tags, context)) {
    await deregisterWithSnapshots(clients, image, context);
  }
  for (const snapshot of await taggedSnapshots(clients, tags, context)) {
    await deleteSnapshot(clients, snapshot, context);
  }
  const left = [
    ...(await taggedImages(clients, tags, context)).map((image) => `AMI ${image.ImageId}`),
    ...(await taggedSnapshots(clients, tags, context)).map((snapshot) => `snapshot ${snapshot}`),
  ];
  return left;
}

/** image / destroy on EC2: deregister every AMI of the image and delete its snapshots. */
export async function destroyEc2Image(
  context: StepContext<ImageSpec>,
  clients: AwsClients,
): Promise<StepOutcome> {
  try {
    const left = await removeTagged(clients, { image: context.resource.id }, context);
    if (left.length > 0) return failed('destroy_failed', `still there after the deletes: ${left.join(', ')}`);
    return succeeded({ provider: 'ec2', region: clients.settings.region });
  } catch (error) {
    return failed('aws_error', `${awsErrorName(error) ?? 'Error'}: ${(error as Error).message}`);
  }
}
