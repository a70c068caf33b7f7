import { Type } from 'typebox';

/** The backends a resource can choose in `spec.provider.type`. */
export type ProviderType = 'local' | 'ec2';

/**
 * `spec.provider.type` of an image, service or cluster. Specs stored before providers could be
 * chosen carry no type, and they meant the local provider, so a missing type still does: no
 * migration rewrites them.
 */
export function providerTypeOf(spec: unknown): ProviderType {
  if (typeof spec !== 'object' || spec === null || !('provider' in spec)) return 'local';
  const provider = spec.provider;
  if (typeof provider !== 'object' || provider === null || !('type' in provider)) return 'local';
  return provider.type === 'ec2' ? 'ec2' : 'local';
}

/** The `type` of the local branch: optional, since a spec without one means local. */
export const localType = Type.Optional(
  Type.Literal('local', { description: 'The local provider (the default when `type` is left out).' }),
);

/** The `type` of the EC2 branch: required, since only an explicit choice means EC2. */
export const ec2Type = Type.Literal('ec2', {
  description: 'The EC2 provider: needs AWS configuration (AWS_REGION and credentials) on the server.',
});

export const EC2_SUBNET_ID = Type.String({
  pattern: '^subnet-[0-9a-f]{8,17}$',
  description: 'Subnet the instances are launched in (default: the default VPC’s).',
  examples: ['subnet-0abc1234'],
});

export const EC2_SECURITY_GROUP_IDS = Type.Array(
  Type.String({ pattern: '^sg-[0-9a-f]{8,17}$', examples: ['sg-0abc1234'] }),
  { minItems: 1, maxItems: 5, uniqueItems: true, description: 'Security groups of the instances.' },
);

export const EC2_INSTANCE_TYPE = Type.String({
  pattern: '^[a-z][a-z0-9-]*\\.[a-z0-9]+$',
  description: 'EC2 instance type (default t3.micro).',
  examples: ['t3.micro'],
});
