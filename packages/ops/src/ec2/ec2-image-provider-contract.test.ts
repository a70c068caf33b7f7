import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
} from '@aws-sdk/client-ec2';
import { type ImageSpec, imageKind } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import { slowBuilders } from '../../testing/ec2/injections';
import {
  MOTO_BASE_IMAGE,
  MOTO_MISSING,
  MOTO_POLL,
  motoEndpoint,
  motoSettings,
  newMotoAccount,
} from '../../testing/ec2/moto';
import { describeProviderContract } from '../../testing/provider-contract';
import { closeAwsClients, openAwsClients } from './aws-clients';
import { TAG } from './aws-tags';
import { imageFootprint } from './ec2-footprint';
import { ec2ImageProvider } from './ec2-image-provider';

const inCi = process.env.CI === 'true';
const moto = motoEndpoint();
if (!moto && !inCi) process.stderr.write(`ec2-image-provider-contract.test.ts: skipped: ${MOTO_MISSING}\n`);

// An instance type moto's type validation refuses: the bake goes through its motions and cannot launch.
const UNKNOWN_TYPE = 'z9.nano';
// The builders of this type are held `initializing` (slowBuilders) until the abort comes.
const SLOW_TYPE = 't3.nano';

const spec = (instanceType = 't3.micro'): ImageSpec => ({
  build: 'echo baking',
  start: 'node server.js',
  version: '1.2.3',
  provider: {
    type: 'ec2',
    baseImage: MOTO_BASE_IMAGE,
    instanceType,
    app: 'https://example.com/hello-app.git',
  },
});

describe.runIf(!moto && inCi)('EC2 image provider on moto', () => {
  it('has moto (AWS_ENDPOINT_URL) under CI=true', () => {
    expect.fail(MOTO_MISSING);
  });
});

if (moto) {
  describeProviderContract({
    name: 'EC2 image provider (moto)',
    kind: imageKind,
    async open() {
      const account = newMotoAccount();
      const settings = motoSettings(account, [slowBuilders(SLOW_TYPE)]);
      const providerClients = await openAwsClients(settings);
      const provider = ec2ImageProvider({ clients: providerClients, poll: MOTO_POLL });
      // The test's own look at the account, past the provider's injections.
      const clients = await openAwsClients(motoSettings(account));
      return {
        provider,
        spec: spec(),
        path: [
          { step: 'build', state: 'building' },
          { step: 'destroy', state: 'destroying' },
        ],
        async unmet(step, resource, outputs) {
          const problems: string[] = [];
          if (step === 'build') {
            const amiId = String(outputs.amiId);
            const found = await clients.ec2.send(new DescribeImagesCommand({ ImageIds: [amiId] }));
            const image = found.Images?.[0];
            if (image?.State !== 'available') problems.push(`${amiId} is ${image?.State ?? 'missing'}`);
            if (!image?.Tags?.some((tag) => tag.Key === TAG.image && tag.Value === resource.id)) {
              problems.push(`${amiId} is not tagged with the image`);
            }
            const builders = await clients.ec2.send(
              new DescribeInstancesCommand({
                Filters: [{ Name: `tag:${TAG.image}`, Values: [resource.id] }],
              }),
            );
            for (const instance of builders.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) {
              if (instance.State?.Name !== 'terminated')
                problems.push(`builder ${instance.InstanceId} is ${instance.State?.Name}`);
            }
            return problems;
          }
          const snapshots = (resource.status.snapshotIds as string[] | undefined) ?? [];
          const images = await clients.ec2.send(
            new DescribeImagesCommand({
              Owners: ['self'],
              Filters: [{ Name: `tag:${TAG.image}`, Values: [resource.id] }],
            }),
          );
          problems.push(...(images.Images ?? []).map((image) => `AMI ${image.ImageId} is still registered`));
          if (snapshots.length > 0) {
            const left = await clients.ec2
              .send(new DescribeSnapshotsCommand({ SnapshotIds: snapshots }))
              .then((answer) => answer.Snapshots ?? [])
              .catch(() => []);
            problems.push(...left.map((snapshot) => `snapshot ${snapshot.SnapshotId} is still there`));
          }
          return problems;
        },
        footprint: (resource) => imageFootprint(clients, resource.id),
        unprovable: { step: 'build', spec: spec(UNKNOWN_TYPE) },
        slow: { step: 'build', spec: spec(SLOW_TYPE) },
        secrets: async () => [String((settings.credentials as { secretAccessKey: string }).secretAccessKey)],
        async close() {
          closeAwsClients(clients);
          closeAwsClients(providerClients);
        },
      };
    },
  });
}
