import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, isErrorCode, isRunErrorCode } from './error-catalog';

describe('the error catalog', () => {
  const entries = Object.entries(ERROR_CATALOG) as [string, { title: string; request?: true; run?: true }][];

  it('names every code in snake_case with a title, and says where each is used', () => {
    for (const [code, entry] of entries) {
      expect(code).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
      expect(entry.title.length).toBeGreaterThan(0);
      expect(entry.request === true || entry.run === true).toBe(true);
    }
  });

  it('holds no transport detail: statuses and headers are the API layer’s', () => {
    for (const [, entry] of entries) {
      expect(Object.keys(entry).filter((key) => !['title', 'request', 'run'].includes(key))).toEqual([]);
    }
  });

  it('tells request codes from run codes', () => {
    expect(isErrorCode('validation_failed')).toBe(true);
    expect(isErrorCode('launch_failed')).toBe(false);
    expect(isRunErrorCode('launch_failed')).toBe(true);
    expect(isRunErrorCode('unreachable_target')).toBe(true);
    expect(isRunErrorCode('validation_failed')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
  });
});
