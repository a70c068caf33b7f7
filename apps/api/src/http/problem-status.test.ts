import { ERROR_CATALOG, isErrorCode } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import { problem } from './problem';
import { PROBLEM_STATUS } from './problem-status';

const catalogued = Object.entries(ERROR_CATALOG) as [string, { title: string; request?: true; run?: true }][];
const requestCodes = catalogued.filter(([, entry]) => entry.request).map(([code]) => code);

describe('the API mapping of the error catalog', () => {
  it('gives every request code of the catalog a 4xx or 5xx status', () => {
    const unmapped = requestCodes.filter((code) => !Object.hasOwn(PROBLEM_STATUS, code));
    expect(unmapped).toEqual([]);
    for (const { status } of Object.values(PROBLEM_STATUS)) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
    }
  });

  it('maps nothing the catalog does not hold as a request code', () => {
    expect(Object.keys(PROBLEM_STATUS).filter((code) => !isErrorCode(code))).toEqual([]);
  });

  it('answers each code with its catalog title and mapped status', () => {
    for (const code of requestCodes) {
      if (!isErrorCode(code)) throw new Error(`${code} is not a request code`);
      expect(problem(code, 'detail')).toMatchObject({
        code,
        title: ERROR_CATALOG[code].title,
        status: PROBLEM_STATUS[code].status,
        type: `urn:slipway:problem:${code}`,
      });
    }
  });
});
