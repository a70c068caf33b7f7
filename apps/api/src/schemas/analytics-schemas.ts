import { BUILT_IN_GROUPINGS } from '@slipway/domain';
import { Type } from 'typebox';

const Ms = Type.Union([Type.Number(), Type.Null()]);

export const DurationStatsSchema = Type.Object(
  {
    count: Type.Integer({ minimum: 0, description: 'Finished runs (or answered steps).' }),
    failures: Type.Integer({ minimum: 0 }),
    failureRate: Type.Number({ minimum: 0, maximum: 1 }),
    meanMs: Ms,
    p50Ms: Ms,
    p90Ms: Ms,
    p95Ms: Ms,
    p99Ms: Ms,
    maxMs: Ms,
  },
  {
    description:
      'Counts, failures, mean and max are exact; percentiles come from log-spaced histogram bins, within 2 % of the exact value.',
  },
);

export const DurationsReportSchema = Type.Object(
  {
    kind: Type.Union([Type.String(), Type.Null()]),
    target: Type.Union([Type.String(), Type.Null()]),
    measures: Type.Union([Type.String(), Type.Null()], {
      description: 'What the target measures, as the kind declares it (deploy time, bake time).',
    }),
    groupBy: Type.Union([Type.String(), Type.Null()]),
    since: Type.Union([Type.String(), Type.Null()], {
      description: 'The start of the window read: the since asked for, rounded down to its hour.',
    }),
    until: Type.Union([Type.String(), Type.Null()], {
      description: 'The end of the window read (exclusive): the until asked for, rounded up to a whole hour.',
    }),
    groups: Type.Array(
      Type.Object({
        group: Type.String({
          description: 'The group value (a day, the Monday of a week, a service…) or all.',
        }),
        runs: DurationStatsSchema,
        steps: Type.Record(Type.String(), DurationStatsSchema, { description: 'Per provider step.' }),
        meanTimeBetweenFailuresMs: Type.Union([Type.Number(), Type.Null()], {
          description: 'Mean time between consecutive failed runs of the group; null below two failures.',
        }),
        meanTimeToRecoveryMs: Type.Union([Type.Number(), Type.Null()], {
          description:
            'Mean time from a resource\u2019s first failed run to its next successful run to the same target; null when none recovered.',
        }),
        recoveries: Type.Integer({ minimum: 0, description: 'Failed streaks that a successful run ended.' }),
      }),
    ),
  },
  { description: 'Run and step duration statistics per group, from the write-time rollups.' },
);

export function durationsQuery(dimensions: readonly string[]) {
  const groupings = [...BUILT_IN_GROUPINGS, ...dimensions];
  return Type.Object(
    {
      kind: Type.Optional(Type.String({ minLength: 1, maxLength: 64, examples: ['cluster'] })),
      target: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 128,
          description:
            'The runs\u2019 target (or action:<name>). Defaults to the kind\u2019s headline target: live for clusters (deploy time), built for images (bake time).',
        }),
      ),
      ...Object.fromEntries(
        dimensions.map((name) => [
          name,
          Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 256,
              description: `Only runs with ${name} = this value.`,
            }),
          ),
        ]),
      ),
      // No `format: date-time` here: a bad instant is the domain's `invalid_time_range`, not a schema error.
      since: Type.Optional(
        Type.String({
          maxLength: 64,
          examples: ['2030-01-31T12:00:00Z'],
          description:
            'An RFC 3339 date-time; runs ending from this instant on, rounded down to its hour (the rollups\u2019 resolution). Must be before until; otherwise, or when it does not parse, 400 invalid_time_range.',
        }),
      ),
      until: Type.Optional(
        Type.String({
          maxLength: 64,
          examples: ['2030-02-01T00:00:00Z'],
          description:
            'An RFC 3339 date-time; runs ending before this instant, rounded up to the next whole hour. 400 invalid_time_range when it does not parse.',
        }),
      ),
      groupBy: Type.Optional(
        Type.Union(
          groupings.map((name) => Type.Literal(name)),
          {
            description: `One of ${groupings.join(', ')}. A dimension the kind does not declare answers 400 dimension_not_applicable naming those that apply.`,
          },
        ),
      ),
    },
    { additionalProperties: false },
  );
}
