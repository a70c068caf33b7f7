import { RUN_STATUSES, TRANSITION_OUTCOMES } from '@slipway/domain';
import { Type } from 'typebox';
import { Cursor, Id, Limit, page, Timestamp } from './common-schemas';

const NullableString = Type.Union([Type.String(), Type.Null()]);
const Groups = Type.Record(Type.String(), Type.String(), {
  description:
    'The analytics dimensions the kind declares, read from the spec when the run was accepted (a cluster: service, provider).',
  examples: [{ service: 'web-production', provider: 'local' }],
});
const Order = Type.Union([Type.Literal('asc'), Type.Literal('desc')]);
const ErrorInfo = Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]);

export const RunEntity = Type.Object(
  {
    id: Id,
    resourceId: Id,
    kind: Type.String(),
    target: Type.String(),
    action: Type.Union([Type.String(), Type.Null()], {
      description: 'The action this run performs (e.g. verify), or null for a run to a target state.',
    }),
    status: Type.Union(
      RUN_STATUSES.map((status) => Type.Literal(status)),
      { description: 'queued → running → succeeded | failed; cancelling → cancelled.' },
    ),
    requestedBy: Type.String(),
    reason: NullableString,
    force: Type.Boolean(),
    requestId: NullableString,
    idempotencyKey: NullableString,
    fromState: Type.String(),
    step: Type.Union([Type.String(), Type.Null()], { description: 'Provider step in progress or last run.' }),
    attempt: Type.Integer({
      minimum: 0,
      description: 'Attempts of the current step (>1 after a retry across a restart).',
    }),
    error: ErrorInfo,
    cancelRequestedBy: NullableString,
    cancelReason: NullableString,
    createdAt: Timestamp,
    startedAt: Type.Union([Timestamp, Type.Null()]),
    finishedAt: Type.Union([Timestamp, Type.Null()]),
    durationMs: Type.Union([Type.Integer(), Type.Null()]),
    groups: Groups,
    failingSince: Type.Union([Timestamp, Type.Null()], {
      description:
        'When this resource\u2019s runs to the same target started failing, if the last one before this run failed; a success then counts as a recovery.',
    }),
    input: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
        description:
          "What a kind's own route gave the run beside its target, fixed at request: a setting's rollback carries the `version` it applies.",
      }),
    ),
    queue: Type.Optional(
      Type.Object(
        {
          workers: Type.Integer({ minimum: 0, description: 'Worker processes consuming the run queue now.' }),
          detail: Type.String({
            description: 'Who will walk this run, or that no worker will until one starts.',
          }),
        },
        {
          description:
            'On GET of a queued run, with the BullMQ executor: whether any worker consumes the queue. workers 0 means the run waits until a worker starts.',
        },
      ),
    ),
  },
  { description: 'One request to move one resource to a target state.' },
);

export const CancelBody = Type.Union(
  [
    Type.Object(
      { reason: Type.Optional(Type.String({ maxLength: 1000, description: 'Why; recorded on the run.' })) },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  { examples: [{ reason: 'wrong source directory' }] },
);

export const TransitionEntity = Type.Object(
  {
    id: Id,
    seq: Type.Integer({ minimum: 1, description: 'Per-resource sequence number.' }),
    resourceId: Id,
    kind: Type.String(),
    runId: Id,
    from: Type.String(),
    to: Type.String(),
    event: Type.String(),
    attempt: Type.Integer({ minimum: 0 }),
    startedAt: Timestamp,
    endedAt: Timestamp,
    durationMs: Type.Integer(),
    outcome: Type.Union(TRANSITION_OUTCOMES.map((outcome) => Type.Literal(outcome))),
    error: ErrorInfo,
    outputs: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Provider outputs, secrets redacted.',
    }),
    log: Type.String({ description: 'Bounded tail of the step\u2019s output.' }),
    actor: Type.String({ description: 'Who requested the run (requestedBy).' }),
    target: Type.String({
      description: 'The run\u2019s target state, or action:<name> for an action run (action:verify).',
    }),
    reason: Type.Union([Type.String(), Type.Null()], { description: 'Why the run was requested.' }),
    requestId: Type.Union([Type.String(), Type.Null()], {
      description: 'The x-request-id of the request that started the run.',
    }),
    step: Type.Union([Type.String(), Type.Null()], {
      description: 'The provider step this transition answered (its duration is the step\u2019s), or null.',
    }),
    groups: Groups,
  },
  { description: 'One persisted state change: the audit record.' },
);

/** Filters on the declared analytics dimensions (`service`, `provider`…), one query parameter each. */
function dimensionFilters(dimensions: readonly string[]) {
  return Object.fromEntries(
    dimensions.map((name) => [
      name,
      Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 256,
          description: `Only records whose run has ${name} = this value (a dimension a kind declares).`,
        }),
      ),
    ]),
  );
}

export function transitionQuery(dimensions: readonly string[]) {
  return Type.Object(
    {
      kind: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      resourceId: Type.Optional(Id),
      runId: Type.Optional(Id),
      actor: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      event: Type.Optional(
        Type.String({ minLength: 1, maxLength: 64, description: 'The event, e.g. SUCCESS.' }),
      ),
      to: Type.Optional(
        Type.String({ minLength: 1, maxLength: 64, description: 'Only transitions into this state.' }),
      ),
      outcome: Type.Optional(Type.Union(TRANSITION_OUTCOMES.map((outcome) => Type.Literal(outcome)))),
      ...dimensionFilters(dimensions),
      since: Type.Optional(
        Type.String({ format: 'date-time', description: 'Ended at or after (inclusive).' }),
      ),
      until: Type.Optional(Type.String({ format: 'date-time', description: 'Ended before (exclusive).' })),
      order: Type.Optional(Order),
      limit: Type.Optional(Limit),
      cursor: Type.Optional(Cursor),
    },
    { additionalProperties: false },
  );
}

export const HistoryQuery = Type.Object(
  {
    order: Type.Optional(Order),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

export const RunQuery = Type.Object(
  {
    kind: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    resourceId: Type.Optional(Id),
    status: Type.Optional(Type.Union(RUN_STATUSES.map((status) => Type.Literal(status)))),
    target: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'A target state, or action:<name>.' }),
    ),
    actor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'Who requested the run.' }),
    ),
    since: Type.Optional(
      Type.String({ format: 'date-time', description: 'Created at or after (inclusive).' }),
    ),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Created before (exclusive).' })),
    order: Type.Optional(Order),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

export const RunPage = page(RunEntity, 'A page of runs, newest first unless order=asc.');

export const TransitionPage = page(
  TransitionEntity,
  'A page of transitions, oldest first unless order=desc.',
);
