import { SlipwayError } from '@slipway/domain';

/** A page needs at least one item, or it could never hand out a cursor to move on. */
export function checkPageLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new SlipwayError(
      'validation_failed',
      `\`limit\` must be a positive integer; got ${String(limit)}.`,
      {
        limit,
      },
    );
  }
  return limit;
}

/**
 * Collects up to `limit` items plus one look-ahead from `source`, so the last page is known to be
 * last without a second query.
 */
export function takePage<T>(source: Iterable<T>, limit: number): { items: T[]; more: boolean } {
  const items: T[] = [];
  for (const item of source) {
    items.push(item);
    if (items.length > limit) return { items: items.slice(0, limit), more: true };
  }
  return { items, more: false };
}
