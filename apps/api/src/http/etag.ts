import { SlipwayError } from '@slipway/domain';

export function etagOf(version: number): string {
  return `"${version}"`;
}

export interface EntityTag {
  weak: boolean;
  /** The quoted part without its quotes. */
  opaque: string;
}

/** A parsed If-Match: `*`, or the entity-tags it lists. */
export type IfMatch = { any: true } | { any: false; tags: EntityTag[] };

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3).
const ENTITY_TAG = /(W\/)?"([\x21\x23-\x7E\x80-\xFF]*)"/y;
const OWS = /[ \t]*/y;

function malformed(header: string): SlipwayError {
  return new SlipwayError(
    'invalid_if_match',
    `If-Match ${JSON.stringify(header)} is not "*" or a comma-separated list of entity-tags; send the ETag from a GET, e.g. If-Match: "3".`,
  );
}

/** Parses If-Match as RFC 9110 §13.1.1 defines it: null when absent; throws `invalid_if_match` when malformed. */
export function parseIfMatch(header: string | undefined): IfMatch | null {
  if (header === undefined) return null;
  if (header.trim() === '*') return { any: true };
  const tags: EntityTag[] = [];
  let at = 0;
  const skip = (pattern: RegExp) => {
    pattern.lastIndex = at;
    pattern.exec(header);
    at = pattern.lastIndex;
  };
  // 1#entity-tag: elements separated by commas with optional whitespace; empty elements are allowed.
  while (at < header.length) {
    skip(OWS);
    if (header[at] === ',') {
      at += 1;
      continue;
    }
    if (at >= header.length) break;
    ENTITY_TAG.lastIndex = at;
    const match = ENTITY_TAG.exec(header);
    if (!match) throw malformed(header);
    tags.push({ weak: match[1] !== undefined, opaque: match[2]! });
    at = ENTITY_TAG.lastIndex;
    skip(OWS);
    if (at < header.length && header[at] !== ',') throw malformed(header);
  }
  if (tags.length === 0) throw malformed(header);
  return { any: false, tags };
}

/**
 * Whether the resource at `version` passes the condition. If-Match uses the strong comparison: a
 * weak tag never matches, and a strong one only when it is exactly the ETag Slipway issued.
 */
export function ifMatchAccepts(condition: IfMatch | null, version: number): boolean {
  if (condition === null || condition.any) return true;
  const current = etagOf(version).slice(1, -1);
  return condition.tags.some((tag) => !tag.weak && tag.opaque === current);
}
