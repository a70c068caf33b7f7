import { type Static, Type } from 'typebox';
import { setup } from 'xstate';
import { defineKind, type StepMeta } from './kind-definition';

const imageSpec = Type.Object(
  {
    source: Type.String({
      minLength: 1,
      maxLength: 1024,
      description:
        'Directory holding the app to bake: absolute, or relative to the working directory of the Slipway server.',
      examples: ['examples/hello-app'],
    }),
    build: Type.String({
      minLength: 1,
      maxLength: 4096,
      description:
        'Shell command run in the copied directory. It sees SLIPWAY_IMAGE_VERSION; the image is built only if it exits 0.',
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
      Type.Integer({ minimum: 1, maximum: 3600, description: 'Build time limit in seconds (default 600).' }),
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
    'A baked machine image. On the local provider, an app directory copied into the data directory and built there.',
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
