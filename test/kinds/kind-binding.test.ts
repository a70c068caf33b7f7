import {
  assembleEngine,
  BindingError,
  bindingProblems,
  bindKind,
  clusterKind,
  defineKind,
  imageKind,
  type KindProvider,
  type ProviderFor,
  type StepMeta,
  succeeded,
} from '@slipway/domain';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { createMachine, setup } from 'xstate';

// The compile-time half: `npm run typecheck` covers test/, so each @ts-expect-error below must
// meet an error or the typecheck fails ("unused directive").

const step = async () => succeeded();
const imageProvider: ProviderFor<typeof imageKind> = {
  backend: 'test',
  steps: { build: step, destroy: step },
};

describe('typed binding (compile time)', () => {
  it('accepts a provider with exactly the kind’s steps', () => {
    expect(bindKind(imageKind, imageProvider).kind.name).toBe('image');
  });

  it('refuses a provider that lacks a step the machine names', () => {
    // @ts-expect-error destroy is missing
    const lacking: ProviderFor<typeof imageKind> = { backend: 'test', steps: { build: step } };
    // @ts-expect-error destroy is missing
    bindKind(imageKind, { backend: 'test', steps: { build: step } });
    expect(lacking.backend).toBe('test');
  });

  it('refuses a provider that names a step the machine lacks, fresh or not', () => {
    // @ts-expect-error biuld is no step of image
    bindKind(imageKind, { backend: 'test', steps: { build: step, destroy: step, biuld: step } });
    const extra = { backend: 'test', steps: { build: step, destroy: step, launch: step } };
    // @ts-expect-error launch is no step of image
    bindKind(imageKind, extra);
  });

  it('refuses another kind’s provider', () => {
    // @ts-expect-error a cluster provider has launch/verify/promote and no build
    bindKind(clusterKind, imageProvider);
  });

  it('types the spec a provider step receives from the kind’s schema', () => {
    const typed: ProviderFor<typeof imageKind> = {
      backend: 'test',
      steps: {
        build: async (context) => succeeded({ source: context.resource.spec.source }),
        // @ts-expect-error image specs have no service
        destroy: async (context) => succeeded({ service: context.resource.spec.service }),
      },
    };
    expect(Object.keys(typed.steps)).toEqual(['build', 'destroy']);
  });

  it('refuses a typed machine, or an action, naming a step the kind does not declare', () => {
    const events = {} as { events: { type: 'GO' } | { type: 'SUCCESS' } | { type: 'FAILURE' } };
    setup({ types: { ...events, meta: {} as StepMeta<'work'> } }).createMachine({
      initial: 'idle',
      states: {
        idle: { on: { GO: 'working' } },
        // @ts-expect-error wrok is not a declared step
        working: { meta: { step: 'wrok' }, on: { SUCCESS: 'idle' } },
      },
    });
    const machine = setup({ types: { ...events, meta: {} as StepMeta<'work' | 'other'> } }).createMachine({
      initial: 'idle',
      states: {
        idle: { on: { GO: 'working' } },
        working: { meta: { step: 'work' }, on: { SUCCESS: 'idle' } },
      },
    });
    const base = {
      name: 'typed',
      plural: 'typeds',
      title: 'Typed',
      description: 'A kind for type tests.',
      spec: Type.Object({}),
      specExample: {},
      targets: { idle: { description: 'Idle.' } },
      editableIn: ['idle'],
    };
    // @ts-expect-error the machine's meta allows "other", which steps does not declare
    defineKind({ ...base, steps: ['work'], machine });
    defineKind({
      ...base,
      steps: ['work', 'other'],
      machine,
      actions: {
        // @ts-expect-error an action's step must be one of the declared steps
        poke: { event: 'GO', step: 'poke', allowedIn: ['idle'], summary: 'Poke', description: 'Poke.' },
      },
    });
  });
});

// The run-time half: what the types cannot see, reported at start.

const untypedMachine = createMachine({
  id: 'loose',
  initial: 'idle',
  states: {
    idle: { on: { GO: 'working' } },
    working: { meta: { step: 'wrok' }, on: { SUCCESS: 'idle', FAILURE: 'idle' } },
  },
});
const looseKind = defineKind({
  name: 'loose',
  plural: 'looses',
  title: 'Loose',
  description: 'A kind whose machine is not typed.',
  spec: Type.Object({}),
  specExample: {},
  steps: ['work'],
  machine: untypedMachine,
  targets: { idle: { description: 'Idle.' } },
  editableIn: ['idle'],
});

describe('start-up binding check', () => {
  it('reports a machine step the kind does not declare and a declared step no state names', () => {
    expect(bindingProblems(bindKind(looseKind, { backend: 'local', steps: { work: step } }))).toEqual([
      'loose: state "working" names step "wrok", which the kind does not declare (steps: "work")',
      'loose: step "work" is declared but no state or action names it',
      'loose: the local provider does not implement step "wrok"',
      'loose: the local provider implements step "work", which no state or action of the kind names',
    ]);
  });

  it('reports a provider assembled at run time with a step missing or extra', () => {
    const built = { backend: 'local', steps: { build: step, launch: step } } as unknown as KindProvider;
    expect(bindingProblems({ kind: imageKind, provider: built })).toEqual([
      'image: the local provider does not implement step "destroy"',
      'image: the local provider implements step "launch", which no state or action of the kind names',
    ]);
    expect(bindingProblems(bindKind(imageKind, imageProvider))).toEqual([]);
  });

  it('refuses to assemble an engine whose kinds, providers or hooks do not fit, naming every problem', () => {
    const attempt = () =>
      assembleEngine({
        store: {} as never,
        newId: () => 'id',
        bindings: [
          bindKind(imageKind, imageProvider),
          { kind: imageKind, provider: { backend: 'local', steps: { build: step } } },
        ],
        hooks: [
          { name: 'toy.pin', kind: 'cluster', step: 'launch', phase: 'before', run: step },
          { name: 'toy.note', kind: 'image', step: 'bake', phase: 'after', run: step },
        ],
      });
    expect(attempt).toThrow(BindingError);
    expect(attempt).toThrow(
      [
        'The registered kinds do not fit their providers:',
        '- kind "image" is registered twice',
        '- image: the local provider does not implement step "destroy"',
        '- hook "toy.pin" hooks into kind "cluster", which is not registered',
        '- hook "toy.note" hooks into step "bake" of image, which has steps build, destroy',
      ].join('\n'),
    );
  });
});
