import { DescribeImagesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { ImageSpec, StepContext } from '@slipway/domain';
import { afterEach, describe, expect, it } from 'vitest';
import { type Injected, loseAnswer, throttle } from '../../testing/ec2/injections';
import {
  MOTO_BASE_IMAGE,
  MOTO_MISSING,
  MOTO_POLL,
  motoEndpoint,
  motoSettings,
  newMotoAccount,
} from '../../testing/ec2/moto';
import { runningRun } from '../../testing/running-run';
import { type AwsClients, closeAwsClients, openAwsClients } from './aws-clients';
import { TAG } from './aws-tags';
import { ec2ImageProvider } from './ec2-image-provider';

const inCi = process.env.CI === 'true';
const moto = motoEndpoint();
if (!moto && !inCi) process.stderr.write(`ec2-image-retries.test.ts: skipped: ${MOTO_MISSING}\n`);

const spec: ImageSpec = { build: 'echo baking', provider: { type: 'ec2', baseImage: MOTO_BASE_IMAGE } };

function buildContext(id: string): StepContext<ImageSpec> {
  const now = new Date().toISOString();
  return {
    resource: {
      id,
      kind: 'image',
      name: id,
      state: 'building',
      version: 1,
      seq: 0,
      spec,
      status: {},
      labels: {},
      activeRunId: `run-${id}`,
      createdAt: now,
      updatedAt: now,
    },
    run: runningRun({
      id: `run-${id}`,
      resourceId: id,
      kind: 'image',
      target: 'built',
      requestedBy: 'test',
      fromState: 'pending',
      step: 'build',
      attempt: 1,
    }),
    step: 'build',
    attempt: 1,
    idempotencyToken: `run-${id}:build`,
    signal: new AbortController().signal,
    log: () => {},
  };
}

describe.runIf(moto !== null || inCi)(
  'EC2 image bake under throttling and lost answers (injected on moto)',
  () => {
    const opened: AwsClients[] = [];
    afterEach(() => {
      for (const clients of opened.splice(0)) closeAwsClients(clients);
    });

    async function bakeWith(injected: Injected) {
      if (!moto) expect.fail(MOTO_MISSING);
      const account = newMotoAccount();
      const clients = await openAwsClients(motoSettings(account, [injected.middleware]));
      const observer = await openAwsClients(motoSettings(account));
      opened.push(clients, observer);
      const id = `retry${Date.now()}`;
      const outcome = await ec2ImageProvider({ clients, poll: MOTO_POLL }).steps.build(buildContext(id));
      const instances = await observer.ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: `tag:${TAG.image}`, Values: [id] }] }),
      );
      const images = await observer.ec2.send(
        new DescribeImagesCommand({
          Owners: ['self'],
          Filters: [{ Name: `tag:${TAG.image}`, Values: [id] }],
        }),
      );
      return {
        outcome,
        builders: instances.Reservations?.flatMap((reservation) => reservation.Instances ?? []) ?? [],
        images: images.Images ?? [],
      };
    }

    for (const action of ['RunInstances', 'CreateImage']) {
      it(`retries a throttled ${action} (RequestLimitExceeded twice) and creates one`, async () => {
        const injected = throttle(`${action}Command`, 2);
        const { outcome, builders, images } = await bakeWith(injected);
        expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
        expect(injected.sent.get(`${action}Command`)).toBe(1);
        expect(builders).toHaveLength(1);
        expect(images).toHaveLength(1);
      });

      it(`finds what a ${action} whose answer was lost created, instead of creating a second`, async () => {
        const injected = loseAnswer(`${action}Command`);
        const { outcome, builders, images } = await bakeWith(injected);
        expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
        expect(injected.sent.get(`${action}Command`)).toBe(1);
        expect(builders.map((builder) => builder.State?.Name)).toEqual(['terminated']);
        expect(images.map((image) => image.ImageId)).toEqual([outcome.ok ? outcome.outputs.amiId : 'none']);
      });
    }
  },
);
