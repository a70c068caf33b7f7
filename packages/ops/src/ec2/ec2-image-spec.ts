import type { Ec2ImageProviderSpec, ImageSpec } from '@slipway/domain';

/** The EC2 branch of an image's provider; the dispatcher only routes EC2 specs here. */
export function ec2ProviderOf(spec: ImageSpec): Ec2ImageProviderSpec {
  const provider = spec.provider;
  if (provider?.type !== 'ec2')
    throw new Error('the EC2 image provider was given a spec without provider.type ec2');
  return provider;
}

/** Create-time checks the schema cannot say: a local source means nothing to a builder instance. */
export function ec2ImageSpecProblems(spec: ImageSpec): string[] {
  return spec.source === undefined
    ? []
    : [
        'spec.source: is a local-provider notion; an EC2 builder fetches its app from spec.provider.app (git or s3://)',
      ];
}
