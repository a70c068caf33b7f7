import type { imageKind, ProviderFor } from '@slipway/domain';
import type { PollOptions } from './aws-calls';
import type { AwsClients } from './aws-clients';
import { bakeImage } from './bake-image';
import { destroyEc2Image, removeTagged } from './destroy-ec2-image';
import { ec2ImageSpecProblems } from './ec2-image-spec';
import { observeEc2Image } from './observe-ec2-image';

export interface Ec2ImageProviderOptions {
  clients: AwsClients;
  /** How EC2 is polled while a builder boots and an AMI is made. Defaults suit real EC2. */
  poll?: Partial<Omit<PollOptions, 'signal'>>;
}

/** Images as AMIs, baked from a builder instance (see bake-image.ts). */
export function ec2ImageProvider(options: Ec2ImageProviderOptions): ProviderFor<typeof imageKind> {
  const { clients } = options;
  const poll = { delayMs: 2_000, maxDelayMs: 15_000, timeoutMs: 3_600_000, ...options.poll };
  return {
    backend: 'ec2',
    steps: {
      build: (context) => {
        const timeoutMs = (context.resource.spec.timeoutSeconds ?? 3600) * 1000;
        return bakeImage(context, { clients, poll: { ...poll, timeoutMs, signal: context.signal } });
      },
      destroy: (context) => destroyEc2Image(context, clients),
    },
    async cleanup(context) {
      // A cancelled bake leaves its builder and perhaps an AMI of this run: both go.
      const left = await removeTagged(clients, { image: context.resource.id, run: context.run.id }, context);
      if (left.length > 0) throw new Error(`cleanup left ${left.join(', ')}`);
    },
    validateSpec: ec2ImageSpecProblems,
    observe: (resource) => observeEc2Image(clients, resource),
  };
}
