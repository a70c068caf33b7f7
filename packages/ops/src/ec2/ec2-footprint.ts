import type { AwsClients } from './aws-clients';
import { tagFilters } from './aws-tags';
import { liveInstances } from './image-builder';

const quiet = { log: () => {} };

/**
 * What an image holds in an account, looked up by its tag: live builders, AMIs, snapshots. For
 * tests and the leak checks; never a listing of every image or snapshot EC2 knows.
 */
export async function imageFootprint(clients: AwsClients, imageId: string): Promise<string[]> {
  const tags = { image: imageId };
  const instances = await liveInstances(clients, tags, quiet);
  const images = await clients.ec2.send(
    new clients.sdk.ec2.DescribeImagesCommand({ Owners: ['self'], Filters: tagFilters(tags) }),
  );
  const snapshots = await clients.ec2.send(
    new clients.sdk.ec2.DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: tagFilters(tags) }),
  );
  return [
    ...instances.map((instance) => `instance ${instance.InstanceId} (${instance.State?.Name})`),
    ...(images.Images ?? [])
      .filter((image) => image.State !== 'deregistered')
      .map((image) => `AMI ${image.ImageId}`),
    ...(snapshots.Snapshots ?? []).map((snapshot) => `snapshot ${snapshot.SnapshotId}`),
  ];
}
