import { type CollectionDeclaration, SlipwayError } from '@slipway/domain';
import { Value } from 'typebox/value';
import { decodeCursor, encodeCursor, queryShape } from '../query/cursor';
import { checkPageLimit } from '../query/page-limit';

/** Keys are plain text so both adapters order them the same way (byte order of UTF-8). */
const KEY = /^[\x21-\x7e]{1,512}$/;

/** Refuses, as the port promises, a key that is no printable ASCII and a document off its declaration. */
export function checkEntry(declaration: CollectionDeclaration, key: string, doc: unknown): void {
  if (!KEY.test(key)) {
    throw new SlipwayError(
      'invalid_spec',
      `Collection ${declaration.name}: key ${JSON.stringify(key)} must be 1-512 printable ASCII characters.`,
    );
  }
  const problems = [...Value.Errors(declaration.document, doc)].map(
    (error) => `${error.instancePath || '/'}: ${error.message}`,
  );
  if (problems.length > 0) {
    throw new SlipwayError(
      'invalid_spec',
      `Collection ${declaration.name}: the document for ${key} does not match its declaration: ${problems.join('; ')}`,
      { problems },
    );
  }
}

export function conflict(declaration: CollectionDeclaration, key: string, detail: string): SlipwayError {
  return new SlipwayError('version_conflict', `Collection ${declaration.name}: ${key} ${detail}.`);
}

export interface ListWindow {
  limit: number;
  prefix: string;
  /** List keys strictly after this one; null from the start. */
  after: string | null;
  shape: string;
}

/** What a list call asks for, with its cursor decoded against the same collection and prefix. */
export function listWindow(
  declaration: CollectionDeclaration,
  query: { prefix?: string; limit: number; cursor?: string },
): ListWindow {
  const prefix = query.prefix ?? '';
  const shape = queryShape(`collection:${declaration.name}`, [prefix]);
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, shape, 1)[0]!;
  return { limit: checkPageLimit(query.limit), prefix, after, shape };
}

export function nextCursor(window: ListWindow, lastKey: string): string {
  return encodeCursor(window.shape, [lastKey]);
}
