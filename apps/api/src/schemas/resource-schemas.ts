import type { RegisteredKind } from '@slipway/domain';
import { type TSchema, Type } from 'typebox';
import { Cursor, Id, Labels, Limit, page, Timestamp } from './common-schemas';

const Name = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$',
  description: 'Lower-case letters, digits and dashes; unique among the live resources of its kind.',
});

function literalUnion(values: string[], description: string) {
  return Type.Union(
    values.map((value) => Type.Literal(value)),
    { description },
  );
}

/**
 * Request and response schemas of one kind, derived from its declaration; `patchFields` are the
 * kind module's own PATCH fields (optional properties beside spec and labels).
 */
export function resourceSchemas(
  { definition, graph }: RegisteredKind,
  patchFields: { properties: Readonly<Record<string, TSchema>>; description: string } | undefined = undefined,
) {
  const states = graph.states.map((state) => state.name);
  const entity = Type.Object(
    {
      id: Id,
      kind: Type.Literal(definition.name),
      name: Name,
      state: literalUnion(states, 'Current state of the resource\u2019s state machine.'),
      version: Type.Integer({ minimum: 1, description: 'Bumped on every change; the ETag.' }),
      spec: definition.spec,
      status: Type.Record(Type.String(), Type.Unknown(), {
        description: 'What the provider reported about the real thing (paths, checks, endpoints).',
      }),
      labels: Labels,
      activeRunId: Type.Union([Type.String(), Type.Null()], {
        description: 'The run holding the resource, if any.',
      }),
      createdAt: Timestamp,
      updatedAt: Timestamp,
      observed: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), {
          description:
            'Only on GET of one resource, for kinds that have it: what the provider sees right now (a cluster\u2019s instances with pid, port and health) and the holder of an exclusive state (its service\u2019s live cluster).',
        }),
      ),
    },
    { description: `${definition.title}: ${definition.description}` },
  );
  const createBody = Type.Object(
    { name: Name, spec: definition.spec, labels: Type.Optional(Labels) },
    {
      additionalProperties: false,
      examples: [{ name: `hello-v1`, spec: definition.specExample, labels: { team: 'web' } }],
    },
  );
  const extra = Object.fromEntries(
    Object.entries(patchFields?.properties ?? {}).map(([field, schema]) => [field, Type.Optional(schema)]),
  );
  const patchBody = Type.Object(
    {
      spec: Type.Optional(definition.spec),
      labels: Type.Optional(Labels),
      ...extra,
    },
    {
      additionalProperties: false,
      minProperties: 1,
      description: `Replaces the labels and/or the spec (the spec only in an editable state).${patchFields ? ` ${patchFields.description}` : ''}`,
      examples: [{ labels: { team: 'web', tier: 'frontend' } }],
    },
  );
  const listQuery = Type.Object(
    {
      state: Type.Optional(
        literalUnion(
          states,
          'Only resources in this state. Without it, resources in a terminal state (destroyed) are left out unless includeDestroyed=true.',
        ),
      ),
      includeDestroyed: Type.Optional(
        Type.Boolean({
          description: 'Also list resources in a terminal state (destroyed), which are otherwise left out.',
        }),
      ),
      label: Type.Optional(
        Type.Array(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}=.{0,256}$' }), {
          maxItems: 16,
          description: 'Only resources with this label, as key=value; repeat for several (all must match).',
        }),
      ),
      limit: Type.Optional(Limit),
      cursor: Type.Optional(Cursor),
    },
    { additionalProperties: false },
  );
  const targets = Object.keys(definition.targets);
  const runBody = Type.Object(
    {
      target: literalUnion(targets, `State to move the ${definition.name} to: ${targets.join(', ')}.`),
      reason: Type.Optional(
        Type.String({
          maxLength: 1000,
          description: 'Why; recorded on the run. Required for some targets (see /v1/kinds).',
        }),
      ),
      force: Type.Optional(Type.Boolean({ description: 'Override a safety refusal; needs a reason.' })),
    },
    { additionalProperties: false, examples: [{ target: targets[0], reason: 'first bake' }] },
  );
  return {
    entity,
    createBody,
    patchBody,
    listQuery,
    runBody,
    list: page(entity, `A page of ${definition.plural}.`),
  };
}
