import { describe, expect, it } from 'vitest';
import { ifMatchAccepts, parseIfMatch } from './etag';

describe('If-Match (RFC 9110 §13.1.1)', () => {
  it('is absent when the header is', () => {
    expect(parseIfMatch(undefined)).toBeNull();
  });

  it('accepts any current version for *', () => {
    const condition = parseIfMatch(' * ');
    expect(ifMatchAccepts(condition, 1)).toBe(true);
    expect(ifMatchAccepts(condition, 42)).toBe(true);
  });

  it('uses the strong comparison: a weak tag never matches', () => {
    expect(ifMatchAccepts(parseIfMatch('"1"'), 1)).toBe(true);
    expect(ifMatchAccepts(parseIfMatch('W/"1"'), 1)).toBe(false);
    expect(ifMatchAccepts(parseIfMatch('"2"'), 1)).toBe(false);
    expect(ifMatchAccepts(parseIfMatch('"01"'), 1)).toBe(false);
  });

  it('matches a list when any member matches, with empty list elements allowed', () => {
    expect(ifMatchAccepts(parseIfMatch('"4", "5"'), 5)).toBe(true);
    expect(ifMatchAccepts(parseIfMatch('"4", "5"'), 4)).toBe(true);
    expect(ifMatchAccepts(parseIfMatch('"4", "5"'), 6)).toBe(false);
    expect(ifMatchAccepts(parseIfMatch('W/"5", "x", "5"'), 5)).toBe(true);
    expect(ifMatchAccepts(parseIfMatch(' , "7" ,, '), 7)).toBe(true);
    expect(ifMatchAccepts(parseIfMatch('"a,b", "3"'), 3)).toBe(true);
  });

  it('refuses what is not an entity-tag list, naming the problem', () => {
    for (const header of ['1', '"1', 'W/1', '"1" "2"', '*, "1"', '', ' , ', 'w/"1"', '"a"b', '"\u0001"']) {
      expect(() => parseIfMatch(header), JSON.stringify(header)).toThrowError(
        expect.objectContaining({ code: 'invalid_if_match' }),
      );
    }
  });
});
