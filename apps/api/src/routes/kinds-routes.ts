import { describeKind, type KindRegistry, SlipwayError } from '@slipway/domain';
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { problemResponses } from '../http/problem';
import { signedIn } from '../http/route-permission';

const KindDescription = Type.Object(
  {
    name: Type.String(),
    plural: Type.String(),
    title: Type.String(),
    description: Type.String(),
    initialState: Type.String(),
    states: Type.Array(
      Type.Object({
        name: Type.String(),
        step: Type.Union([Type.String(), Type.Null()], {
          description: 'Provider step run on entering the state.',
        }),
        final: Type.Boolean(),
        requestable: Type.Boolean({ description: 'Whether a run may name this state as its target.' }),
        description: Type.Union([Type.String(), Type.Null()]),
      }),
    ),
    transitions: Type.Array(
      Type.Object({
        from: Type.String(),
        to: Type.String(),
        event: Type.String(),
        internal: Type.Boolean({
          description:
            'Fired by the engine itself (a displacement such as DEMOTE, or an action), never requested.',
        }),
      }),
    ),
    steps: Type.Array(Type.String()),
    targets: Type.Array(
      Type.Object({
        state: Type.String(),
        description: Type.String(),
        reasonRequired: Type.Boolean(),
        forceFrom: Type.Array(Type.String(), {
          description: 'States from which a run to this target needs `force` (and a reason).',
        }),
      }),
    ),
    actions: Type.Array(
      Type.Object({
        name: Type.String({ description: 'Route: POST /v1/{plural}/{id}/{name}.' }),
        event: Type.String(),
        step: Type.String(),
        allowedIn: Type.Array(Type.String()),
        description: Type.String(),
      }),
      { description: 'Operations that run a provider step without changing state.' },
    ),
    permissions: Type.Array(Type.String()),
    editableIn: Type.Array(Type.String()),
    mermaid: Type.String({ description: 'The state machine as a Mermaid stateDiagram.' }),
    specSchema: Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema of the spec.' }),
  },
  { description: 'A resource kind and its state machine.' },
);

const KindParams = Type.Object({ kind: Type.String({ minLength: 1, maxLength: 64, examples: ['image'] }) });

/** The API documents its own state machines. */
export function registerKindsRoutes(app: FastifyInstance, kinds: KindRegistry): void {
  app.get(
    '/v1/kinds',
    {
      config: { permission: signedIn('the machines it describes hold no resource') },
      schema: {
        operationId: 'listKinds',
        summary: 'List resource kinds',
        description:
          'Every kind this installation serves, with its states, transitions, provider steps and Mermaid diagram.',
        tags: ['kinds'],
        response: { 200: Type.Object({ items: Type.Array(KindDescription) }), ...problemResponses(401) },
      },
    },
    async () => ({ items: kinds.all().map(describeKind) }),
  );

  app.get<{ Params: Static<typeof KindParams> }>(
    '/v1/kinds/:kind',
    {
      config: { permission: signedIn('the machine it describes holds no resource') },
      schema: {
        operationId: 'getKind',
        summary: 'Describe a resource kind',
        description:
          'States, transitions, provider steps, requestable targets, permissions and a Mermaid diagram of one kind (by singular or plural name).',
        tags: ['kinds'],
        params: KindParams,
        response: { 200: KindDescription, ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const wanted = request.params.kind;
      const kind = kinds
        .all()
        .find((entry) => entry.definition.name === wanted || entry.definition.plural === wanted);
      if (!kind) throw new SlipwayError('kind_not_found', `No kind "${wanted}"; GET /v1/kinds lists them.`);
      return describeKind(kind);
    },
  );
}
