import {
  type KindRegistry,
  type Principal,
  type RegisteredKind,
  type Resource,
  type ResourceService,
  SlipwayError,
  withArticle,
} from '@slipway/domain';
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/authentication';
import { etagOf, ifMatchAccepts, parseIfMatch } from '../http/etag';
import { problemResponses } from '../http/problem';
import { kindPermission } from '../http/route-permission';
import type { PatchFields } from '../kinds/kind-module';
import { toResourceEntity } from '../mappers/resource-entity';
import { IdempotencyHeaders } from '../schemas/common-schemas';
import { resourceSchemas } from '../schemas/resource-schemas';
import { HistoryQuery, RunEntity, TransitionPage } from '../schemas/run-schemas';

const IdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, description: 'The resource id.' }),
});
/** Actions take no input; an empty object or no body at all. */
const ActionBody = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()], {
  description: 'No input: send no body, or {}.',
});
const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      maxLength: 256,
      description:
        'ETag from a GET (or a list of them, or *); the patch is refused (412) unless one names the current version. Compared strongly: a weak tag (W/"1") never matches. A value that is not an entity-tag list is refused (400 invalid_if_match).',
    }),
  ),
});

function parseLabels(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  return Object.fromEntries(
    pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

/** Create, list, read, patch and run: generated for every kind from its declaration. */
export function registerKindRoutes(
  app: FastifyInstance,
  kinds: KindRegistry,
  service: ResourceService,
  patchFields: ReadonlyMap<string, PatchFields> = new Map(),
): void {
  for (const kind of kinds.all()) registerKind(app, kind, service, patchFields.get(kind.definition.name));
}

function registerKind(
  app: FastifyInstance,
  kind: RegisteredKind,
  service: ResourceService,
  patchFields: PatchFields | undefined,
): void {
  const { name, plural, title } = kind.definition;
  const schemas = resourceSchemas(kind, patchFields);
  const base = `/v1/${plural}`;
  const tags = [plural];
  type Create = Static<typeof schemas.createBody>;
  type Patch = Static<typeof schemas.patchBody>;
  type ListQuery = Static<typeof schemas.listQuery>;
  type RunBody = Static<typeof schemas.runBody>;

  app.post<{ Body: Create }>(
    base,
    {
      config: { permission: kindPermission(name, 'write') },
      schema: {
        operationId: `create${title}`,
        summary: `Create ${withArticle(name)}`,
        description: `Declares a new ${name} in state "${kind.graph.initial}". Nothing is provisioned until a run asks for a target state. Answers 201 with a Location header.`,
        tags,
        headers: IdempotencyHeaders,
        body: schemas.createBody,
        response: { 201: schemas.entity, ...problemResponses(400, 401, 403, 409, 413, 415, 422, 503) },
      },
      // OpenAPI links let clients (and schemathesis's stateful phase) follow a created resource.
      links: {
        201: {
          [`get${title}`]: { operationId: `get${title}`, parameters: { id: '$response.body#/id' } },
          [`patch${title}`]: { operationId: `patch${title}`, parameters: { id: '$response.body#/id' } },
          [`run${title}`]: { operationId: `run${title}`, parameters: { id: '$response.body#/id' } },
        },
      },
    },
    async (request, reply) => {
      const resource = await service.create(name, request.body, principalOf(request));
      reply.code(201).header('location', `${base}/${resource.id}`).header('etag', etagOf(resource.version));
      return toResourceEntity(resource);
    },
  );

  app.get<{ Querystring: ListQuery }>(
    base,
    {
      config: { permission: kindPermission(name, 'read') },
      schema: {
        operationId: `list${title}s`,
        summary: `List ${plural}`,
        description: `Newest first. Filter by state and labels; page with limit and cursor. Resources in a terminal state (destroyed) are left out unless asked for by state or with includeDestroyed=true.`,
        tags,
        querystring: schemas.listQuery,
        response: { 200: schemas.list, ...problemResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
      const { state, label, limit, cursor, includeDestroyed } = request.query;
      const page = await service.list(
        name,
        { state, labels: parseLabels(label), limit: limit ?? 50, cursor, includeDestroyed },
        principalOf(request),
      );
      return { items: page.items.map(toResourceEntity), nextCursor: page.nextCursor };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    `${base}/:id`,
    {
      config: { permission: kindPermission(name, 'read') },
      schema: {
        operationId: `get${title}`,
        summary: `Get ${withArticle(name)}`,
        description: `The ${name} with its state, spec, provider status and active run. The ETag header carries its version for If-Match.`,
        tags,
        params: IdParams,
        response: { 200: schemas.entity, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const resource = await service.get(name, request.params.id, principalOf(request));
      reply.header('etag', etagOf(resource.version));
      const observed = await service.observe(name, resource);
      if (!observed) return toResourceEntity(resource);
      // What a provider observes under `status` (a service's balancer pid) reads as part of the
      // status; the rest is shown as `observed`.
      const { status: seen, ...rest } = observed;
      const entity = toResourceEntity(resource);
      const status = seen && typeof seen === 'object' ? { ...entity.status, ...seen } : entity.status;
      return Object.keys(rest).length > 0 ? { ...entity, status, observed: rest } : { ...entity, status };
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof HistoryQuery> }>(
    `${base}/:id/history`,
    {
      config: { permission: kindPermission(name, 'read') },
      schema: {
        operationId: `get${title}History`,
        summary: `What happened to ${withArticle(name)}, who did it and why`,
        description: `Every recorded state change of the ${name}, oldest first (order=desc for newest first), each with the actor, the run's target, reason and request id, the event, outcome, step, duration and error: the audit answer in one call. Also for a destroyed ${name}.`,
        tags,
        params: IdParams,
        querystring: HistoryQuery,
        response: { 200: TransitionPage, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { limit, ...rest } = request.query;
      return service.history(name, request.params.id, { ...rest, limit: limit ?? 50 }, principalOf(request));
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Patch; Headers: Static<typeof IfMatchHeaders> }>(
    `${base}/:id`,
    {
      config: { permission: kindPermission(name, 'write') },
      schema: {
        operationId: `patch${title}`,
        summary: `Change ${withArticle(name)}'s labels or spec`,
        description: `Replaces labels and/or spec. The spec can change only in states ${kind.definition.editableIn.join(', ')} and without an active run. Send If-Match with the ETag from a GET to refuse (412) a lost update.${patchFields ? ` ${patchFields.description}` : ''}`,
        tags,
        params: IdParams,
        headers: IfMatchHeaders,
        body: schemas.patchBody,
        response: { 200: schemas.entity, ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const condition = parseIfMatch(request.headers['if-match']);
      // A list may name several versions, so the condition is checked against the current one;
      // the patch then insists on that version, so a change in between still answers 412.
      let expectedVersion: number | null = null;
      if (condition && !condition.any) {
        const current = await service.get(name, request.params.id, principal);
        if (!ifMatchAccepts(condition, current.version)) {
          throw new SlipwayError(
            'precondition_failed',
            `If-Match does not name the current ETag ${etagOf(current.version)} (weak tags never match); GET it again and retry.`,
            { currentVersion: current.version },
          );
        }
        expectedVersion = current.version;
      }
      const resource = await applyPatch(request.body as Record<string, unknown>, {
        kind: name,
        id: request.params.id,
        expectedVersion,
        principal,
        service,
        patchFields,
      });
      reply.header('etag', etagOf(resource.version));
      return toResourceEntity(resource);
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: RunBody }>(
    `${base}/:id/runs`,
    {
      config: { permission: kindPermission(name, 'transition') },
      schema: {
        operationId: `run${title}`,
        summary: `Move ${withArticle(name)} to a target state`,
        description: `Starts a run that walks the ${name}'s state machine to the target, one provider step at a time, in the background. Answers 202 with a Location header to follow the run. 409 names the active run when another is in progress. 503 queue_unavailable (with Retry-After) when the run queue does not answer: nothing is stored, retry later. Targets: ${Object.entries(
          kind.definition.targets,
        )
          .map(([state, target]) => `${state}${target.reasonRequired ? ' (reason required)' : ''}`)
          .join(', ')}.`,
        tags,
        params: IdParams,
        headers: IdempotencyHeaders,
        body: schemas.runBody,
        response: { 202: RunEntity, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 503) },
      },
      links: {
        202: {
          getRun: { operationId: 'getRun', parameters: { id: '$response.body#/id' } },
          cancelRun: { operationId: 'cancelRun', parameters: { id: '$response.body#/id' } },
        },
      },
    },
    async (request, reply) => {
      const idempotencyKey = request.headers['idempotency-key'];
      const run = await service.requestRun(name, request.params.id, request.body, principalOf(request), {
        requestId: request.id,
        idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
      });
      reply.code(202).header('location', `/v1/runs/${run.id}`);
      return run;
    },
  );

  for (const [action, definition] of Object.entries(kind.definition.actions ?? {})) {
    app.post<{ Params: Static<typeof IdParams> }>(
      `${base}/:id/${action}`,
      {
        config: { permission: kindPermission(name, 'transition') },
        schema: {
          operationId: `${action}${title}`,
          summary: definition.summary,
          description: `${definition.description} Allowed in: ${definition.allowedIn.join(', ')} (409 action_not_allowed otherwise; 409 run_conflict while another run is active).`,
          tags,
          params: IdParams,
          headers: IdempotencyHeaders,
          body: ActionBody,
          response: { 202: RunEntity, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 503) },
        },
        links: {
          202: { getRun: { operationId: 'getRun', parameters: { id: '$response.body#/id' } } },
        },
      },
      async (request, reply) => {
        const idempotencyKey = request.headers['idempotency-key'];
        const run = await service.runAction(name, request.params.id, action, principalOf(request), {
          requestId: request.id,
          idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
        });
        reply.code(202).header('location', `/v1/runs/${run.id}`);
        return run;
      },
    );
  }
}

/** A PATCH of spec and labels, or of the kind module's own fields, never both at once. */
async function applyPatch(
  body: Record<string, unknown>,
  input: {
    kind: string;
    id: string;
    expectedVersion: number | null;
    principal: Principal;
    service: ResourceService;
    patchFields: PatchFields | undefined;
  },
): Promise<Resource> {
  const { spec, labels, ...rest } = body as {
    spec?: Record<string, unknown>;
    labels?: Record<string, string>;
  };
  const own = Object.keys(rest);
  if (own.length === 0 || !input.patchFields) {
    const patch = { ...(spec ? { spec } : {}), ...(labels ? { labels } : {}) };
    return input.service.patch(input.kind, input.id, patch, input.expectedVersion, input.principal);
  }
  if (spec !== undefined || labels !== undefined) {
    throw new SlipwayError(
      'validation_failed',
      `${own.join(', ')} cannot be sent with spec or labels; send them in a PATCH of their own.`,
    );
  }
  return input.patchFields.apply({
    id: input.id,
    fields: rest,
    expectedVersion: input.expectedVersion,
    principal: input.principal,
    service: input.service,
  });
}
