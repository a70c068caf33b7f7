import type { Image } from '@aws-sdk/client-ec2';
import { type CallLog, isNotFound, logged, maybeDone, type PollOptions, pollUntil } from './aws-calls';
import type { AwsClients } from './aws-clients';
import { tagFilters, tagsOf } from './aws-tags';

type Tags = Parameters<typeof tagFilters>[0];

/** Our AMIs with these tags: by owner and tag, never a listing of every image EC2 knows. */
export async function taggedImages(clients: AwsClients, tags: Tags, context: CallLog): Promise<Image[]> {
  const answer = await logged(
    context,
    'ec2:DescribeImages',
    () =>
      clients.ec2.send(
        new clients.sdk.ec2.DescribeImagesCommand({ Owners: ['self'], Filters: tagFilters(tags) }),
      ),
    (found) =>
      `by tags ${JSON.stringify(tags)}: ${(found.Images ?? []).map((image) => image.ImageId).join(', ') || 'none'}`,
  );
  return (answer.Images ?? []).filter((image) => image.State !== 'deregistered');
}

/** Our snapshots with these tags (CreateImage's are tagged right after it answers). */
export async function taggedSnapshots(clients: AwsClients, tags: Tags, context: CallLog): Promise<string[]> {
  const answer = await logged(
    context,
    'ec2:DescribeSnapshots',
    () =>
      clients.ec2.send(
        new clients.sdk.ec2.DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: tagFilters(tags) }),
      ),
    (found) => `by tags: ${(found.Snapshots ?? []).length}`,
  );
  return (answer.Snapshots ?? []).flatMap((snapshot) => (snapshot.SnapshotId ? [snapshot.SnapshotId] : []));
}

export function snapshotsOf(image: Image): string[] {
  return (image.BlockDeviceMappings ?? []).flatMap((mapping) =>
    mapping.Ebs?.SnapshotId ? [mapping.Ebs.SnapshotId] : [],
  );
}

/**
 * CreateImage has no ClientToken; its name is unique per account and region, so a name derived
 * from the image and run is what makes a retry after a lost answer find the first AMI instead of
 * making a second (the caller looks up by tag first; this covers the answer lost in between).
 */
export async function createImageOnce(
  clients: AwsClients,
  instanceId: string,
  name: string,
  tags: Tags,
  context: CallLog,
): Promise<string> {
  try {
    const answer = await logged(
      context,
      'ec2:CreateImage',
      () =>
        clients.ec2.send(
          new clients.sdk.ec2.CreateImageCommand({
            InstanceId: instanceId,
            Name: name,
            Description: 'Baked by Slipway',
            TagSpecifications: [{ ResourceType: 'image', Tags: tagsOf(tags, name) }],
          }),
        ),
      (created) => `${created.ImageId ?? '?'} from builder ${instanceId}`,
    );
    if (!answer.ImageId) throw new Error('CreateImage answered without an image id');
    return answer.ImageId;
  } catch (error) {
    if ((error as Error).name !== 'InvalidAMIName.Duplicate' && !maybeDone(error)) throw error;
    const answer = await clients.ec2.send(
      new clients.sdk.ec2.DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: 'name', Values: [name] }],
      }),
    );
    const id = answer.Images?.[0]?.ImageId;
    if (!id) throw error;
    context.log(`CreateImage failed (${(error as Error).name}) but ${name} exists as ${id}: using it`);
    return id;
  }
}

/** Until the AMI is available; a failed AMI is an error naming its reason. */
export async function waitImageAvailable(
  clients: AwsClients,
  amiId: string,
  context: CallLog,
  poll: PollOptions,
): Promise<Image> {
  return pollUntil(async () => {
    const answer = await clients.ec2.send(new clients.sdk.ec2.DescribeImagesCommand({ ImageIds: [amiId] }));
    const image = answer.Images?.[0];
    if (image?.State === 'available') {
      context.log(`${amiId} available (request ${answer.$metadata.requestId ?? 'unknown'})`);
      return { done: true, value: image };
    }
    if (image?.State === 'failed' || image?.State === 'invalid' || image?.State === 'error') {
      throw new ImageFailed(`${amiId} is ${image.State}: ${image.StateReason?.Message ?? 'no reason given'}`);
    }
    return { done: false, why: `${amiId} is ${image?.State ?? 'not visible yet'}` };
  }, poll);
}

export class ImageFailed extends Error {
  override readonly name = 'ImageFailed';
}

/** Tags the AMI's snapshots like the AMI, so destroy and the leak checks find them by tag too. */
export async function tagSnapshots(
  clients: AwsClients,
  image: Image,
  tags: Tags,
  context: CallLog,
): Promise<void> {
  const snapshots = snapshotsOf(image);
  if (snapshots.length === 0) return;
  await logged(
    context,
    'ec2:CreateTags',
    () =>
      clients.ec2.send(new clients.sdk.ec2.CreateTagsCommand({ Resources: snapshots, Tags: tagsOf(tags) })),
    () => snapshots.join(', '),
  );
}

/** Deregisters the AMI, then deletes its snapshots (which EC2 keeps after a deregister). */
export async function deregisterWithSnapshots(
  clients: AwsClients,
  image: Image,
  context: CallLog,
): Promise<void> {
  const amiId = image.ImageId!;
  try {
    await logged(
      context,
      'ec2:DeregisterImage',
      () => clients.ec2.send(new clients.sdk.ec2.DeregisterImageCommand({ ImageId: amiId })),
      () => amiId,
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  for (const snapshot of snapshotsOf(image)) await deleteSnapshot(clients, snapshot, context);
}

export async function deleteSnapshot(
  clients: AwsClients,
  snapshotId: string,
  context: CallLog,
): Promise<void> {
  try {
    await logged(
      context,
      'ec2:DeleteSnapshot',
      () => clients.ec2.send(new clients.sdk.ec2.DeleteSnapshotCommand({ SnapshotId: snapshotId })),
      () => snapshotId,
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
