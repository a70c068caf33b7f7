import { type Static, Type } from 'typebox';
import { setup } from 'xstate';
import { defineKind, type StepMeta } from './kind-definition';
import {
  EC2_INSTANCE_TYPE,
  EC2_SECURITY_GROUP_IDS,
  EC2_SUBNET_ID,
  ec2Type,
  localType,
} from './provider-choice';

const localImageProvider = Type.Object(
  { type: localType },
  {
    additionalProperties: false,
    title: 'LocalImageProvider',
    description: 'A built app directory on this machine.',
  },
);

const ec2ImageProvider = Type.Object(
  {
    type: ec2Type,
    baseImage: Type.String({
      pattern: '^(ami-[0-9a-f]{8,17}|/[A-Za-z0-9_./-]{1,1000})$',
      description:
        'The AMI the builder instance starts from: an AMI id, or an SSM public parameter naming one (a path starting with /).',
      examples: ['/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64'],
    }),
    app: Type.Optional(
      Type.String({
        pattern: '^(https://|git@|s3://)\\S{1,1000}$',
        description:
          'Where the builder fetches the app from before it runs `build`: a git URL (cloned) or an S3 object (s3://bucket/key, a tarball unpacked). Without it, `build` fetches the app itself.',
        examples: ['https://github.com/example/hello-app.git'],
      }),
    ),
    instanceType: Type.Optional(EC2_INSTANCE_TYPE),
    subnetId: Type.Optional(EC2_SUBNET_ID),
    securityGroupIds: Type.Optional(EC2_SECURITY_GROUP_IDS),
    instanceProfile: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9+=,.@_-]{1,128}$',
        description: 'IAM instance profile of the builder (needed to read an S3 app).',
        examples: ['slipway-builder'],
      }),
    ),
  },
  {
    additionalProperties: false,
    title: 'Ec2ImageProvider',
    description: 'An AMI baked from a builder instance that runs `build` as its user data.',
  },
);

const imageSpec = Type.Object(
  {
    source: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description:
          'Local provider (required there): directory holding the app to bake, absolute or relative to the working directory of the Slipway server. An EC2 image names `provider.app` instead.',
        examples: ['examples/hello-app'],
      }),
    ),
    build: Type.String({
      minLength: 1,
      maxLength: 4096,
      description:
        'Shell command run in the app directory (local: the copied source; EC2: on the builder instance, as user data). It sees SLIPWAY_IMAGE_VERSION; the image is built only if it exits 0.',
      examples: ['npm run build'],
    }),
    start: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description: 'Command that starts the app from the built directory (used by clusters).',
        examples: ['node server.js'],
      }),
    ),
    version: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]*$',
        description: 'Version label of the image, passed to the build as SLIPWAY_IMAGE_VERSION.',
        examples: ['1.0.0'],
      }),
    ),
    timeoutSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3600,
        description:
          'Build time limit in seconds (default 600 on the local provider, 3600 on EC2, where it bounds the whole bake).',
      }),
    ),
    provider: Type.Optional(
      Type.Union([localImageProvider, ec2ImageProvider], {
        description: 'Where the image is baked, chosen by `type`: `local` (the default) or `ec2`.',
      }),
    ),
  },
  { additionalProperties: false },
);

export type ImageSpec = Static<typeof imageSpec>;

const imageMachine = setup({
  types: {} as {
    events:
      | { type: 'BUILD' }
      | { type: 'DESTROY' }
      | { type: 'SUCCESS' }
      | { type: 'FAILURE' }
      | { type: 'CANCEL' };
    meta: StepMeta<'build' | 'destroy'>;
  },
}).createMachine({
  id: 'image',
  initial: 'pending',
  states: {
    pending: { on: { BUILD: 'building', DESTROY: 'destroying' } },
    building: { meta: { step: 'build' }, on: { SUCCESS: 'built', FAILURE: 'failed', CANCEL: 'pending' } },
    built: { on: { DESTROY: 'destroying' } },
    destroying: {
      meta: { step: 'destroy' },
      on: { SUCCESS: 'destroyed', FAILURE: 'failed', CANCEL: 'failed' },
    },
    failed: { on: { BUILD: 'building', DESTROY: 'destroying' } },
    destroyed: { type: 'final' },
  },
});

export const imageKind = defineKind({
  name: 'image',
  plural: 'images',
  title: 'Image',
  description:
    'A baked machine image. On the local provider, an app directory copied into the data directory and built there; on EC2, an AMI baked from a builder instance.',
  spec: imageSpec,
  specExample: {
    source: 'examples/hello-app',
    build: 'npm run build',
    start: 'node server.js',
    version: '1.0.0',
  },
  steps: ['build', 'destroy'],
  machine: imageMachine,
  targets: {
    built: {
      description: 'Build the image; it is built only once the build exited 0 and its files are present.',
    },
    destroyed: { description: 'Remove the image and everything built for it.', reasonRequired: true },
  },
  editableIn: ['pending', 'failed'],
  analytics: {
    headline: { target: 'built', label: 'bake time' },
    groupBy: { provider: { field: 'provider.type', default: 'local' } },
  },
});

/** `spec.provider` of an image baked on EC2. */
export type Ec2ImageProviderSpec = Static<typeof ec2ImageProvider>;
