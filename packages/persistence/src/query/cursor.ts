import { createHash } from 'node:crypto';
import { SlipwayError } from '@slipway/domain';

/**
 * Page cursors are opaque to callers but carry two things: the position of the last item served
 * (so the next page starts after it, stable while new items arrive) and a digest of the query's
 * filters (so a cursor replayed against different filters is refused instead of silently
 * skipping or repeating items).
 */
interface CursorPayload {
  v: 1;
  s: string;
  p: string[];
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A short digest naming a query's filters; `limit` and `cursor` are not part of it. */
export function queryShape(list: string, filters: readonly unknown[]): string {
  return createHash('sha256')
    .update(JSON.stringify([list, ...filters]))
    .digest('base64url')
    .slice(0, 16);
}

export function encodeCursor(shape: string, position: readonly string[]): string {
  const payload: CursorPayload = { v: 1, s: shape, p: [...position] };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/** Returns the position the cursor names, or throws `invalid_cursor`. */
export function decodeCursor(cursor: string, shape: string, positionLength: number): string[] {
  const payload = parse(cursor);
  if (
    payload?.v !== 1 ||
    typeof payload.s !== 'string' ||
    !Array.isArray(payload.p) ||
    payload.p.length !== positionLength ||
    !payload.p.every((part) => typeof part === 'string')
  ) {
    throw new SlipwayError(
      'invalid_cursor',
      'The cursor is not one this list issued; drop `cursor` to start again from the first page.',
    );
  }
  if (payload.s !== shape) {
    throw new SlipwayError(
      'invalid_cursor',
      'The cursor belongs to a query with different filters; repeat the same filters or drop `cursor`.',
    );
  }
  return payload.p;
}

function parse(cursor: string): Partial<CursorPayload> | null {
  // Node's base64url decoder skips characters it does not know; check the alphabet first so
  // a mangled cursor is refused rather than half-read.
  if (typeof cursor !== 'string' || !BASE64URL.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Partial<CursorPayload>) : null;
  } catch {
    return null;
  }
}
