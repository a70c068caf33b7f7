import { randomInt } from 'node:crypto';
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';

/** moto as the suites reach it (scripts/ci-services.sh exports AWS_ENDPOINT_URL); null when unset. */
export const MOTO_URL = process.env.AWS_ENDPOINT_URL || null;
export const MOTO_MISSING =
  'AWS_ENDPOINT_URL is not set: start moto with `bash scripts/ci-services.sh` and source .tools/ci-services.env';
export const MOTO_BASE_IMAGE = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';
const REGION = 'us-east-1';

/**
 * One moto account of a test's own (the `x-moto-account-id` header; never `/moto-api/reset`,
 * which wipes every suite's): the env that points a Slipway server at it, and Describe calls to
 * assert on what is really there.
 */
export class MotoAccount {
  readonly id = `${randomInt(1, 10)}${String(randomInt(0, 100_000_000_000)).padStart(11, '0')}`;
  readonly ec2: EC2Client;

  constructor(readonly endpoint: string) {
    this.ec2 = new EC2Client({
      region: REGION,
      endpoint,
      credentials: { accessKeyId: 'AKIAMOTOTEST', secretAccessKey: 'moto-test-secret' },
    });
    this.ec2.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers['x-moto-account-id'] = this.id;
        return next(args);
      },
      { step: 'build', name: 'motoAccount' },
    );
  }

  /** What a Slipway server needs to work in this account (test-only: NODE_ENV=test). */
  serverEnv(): Record<string, string> {
    return {
      NODE_ENV: 'test',
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: this.endpoint,
      AWS_ACCESS_KEY_ID: 'AKIAMOTOTEST',
      AWS_SECRET_ACCESS_KEY: 'moto-test-secret',
      SLIPWAY_MOTO_ACCOUNT: this.id,
    };
  }

  async instances(tag?: { key: string; value: string }): Promise<Instance[]> {
    const answer = await this.ec2.send(
      new DescribeInstancesCommand(tag ? { Filters: [{ Name: `tag:${tag.key}`, Values: [tag.value] }] } : {}),
    );
    return answer.Reservations?.flatMap((reservation) => reservation.Instances ?? []) ?? [];
  }

  /** This account's own AMIs (never a listing of all of EC2's built-in ones). */
  async ownImages() {
    const answer = await this.ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
    return (answer.Images ?? []).filter((image) => image.State !== 'deregistered');
  }

  async snapshots(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const answer = await this.ec2
      .send(new DescribeSnapshotsCommand({ SnapshotIds: ids }))
      .catch((error: Error) => {
        if (error.name === 'InvalidSnapshot.NotFound') return { Snapshots: [] };
        throw error;
      });
    return (answer.Snapshots ?? []).flatMap((snapshot) => (snapshot.SnapshotId ? [snapshot.SnapshotId] : []));
  }

  /**
   * What is left in the account: instances that are not terminated, our AMIs, the given
   * snapshots. Empty means nothing leaked, not merely nothing tagged.
   */
  async leftovers(snapshotIds: string[]): Promise<string[]> {
    return [
      ...(await this.instances())
        .filter((instance) => instance.State?.Name !== 'terminated')
        .map((instance) => `instance ${instance.InstanceId} ${instance.State?.Name}`),
      ...(await this.ownImages()).map((image) => `AMI ${image.ImageId}`),
      ...(await this.snapshots(snapshotIds)).map((snapshot) => `snapshot ${snapshot}`),
    ];
  }

  close(): void {
    this.ec2.destroy();
  }
}
