import { type TSchema, Type } from 'typebox';

export const Timestamp = Type.String({ format: 'date-time', examples: ['2026-11-22T10:00:00.000Z'] });

export const Id = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'Identifier as returned by Slipway.',
  examples: ['01JD3Z8Q4X9C2N7V5B6M1K0H8F'],
});

export const Cursor = Type.String({
  minLength: 1,
  maxLength: 512,
  description: 'Opaque cursor from the previous page\u2019s nextCursor.',
});

export const Limit = Type.Integer({
  minimum: 1,
  maximum: 200,
  default: 50,
  description: 'Page size (1-200).',
});

export const LABEL_KEY_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$';

// The key rule as `propertyNames`, which OpenAPI 3.1 shows as it is; a pattern-keyed record
// becomes `patternProperties`, which the document generator turns into "any key".
export const Labels = Type.Record(Type.String(), Type.String({ maxLength: 256 }), {
  propertyNames: {
    pattern: LABEL_KEY_PATTERN,
    description:
      'a label key is 1-63 letters, digits, dots, underscores, slashes or dashes, starting with a letter or digit',
  },
  maxProperties: 64,
  description:
    'Free-form key/value labels for selection. Keys: 1-63 letters, digits, . _ / -, starting with a letter or digit; values: up to 256 characters.',
  examples: [{ team: 'payments', env: 'production' }],
});

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7E]+$',
      description:
        'Makes the POST safe to retry: the same key with the same body replays the first response; with another body it is refused (422).',
    }),
  ),
});

export function page<T extends TSchema>(item: T, description: string) {
  return Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Union([Type.String(), Type.Null()], {
        description: 'Pass as `cursor` to fetch the next page; null on the last page.',
      }),
    },
    { description },
  );
}
