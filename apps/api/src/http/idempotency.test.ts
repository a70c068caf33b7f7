import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isGoneOwner } from './idempotency';

const self = `${hostname()}/${process.pid}/01SELF`;

describe('owners of idempotency reservations', () => {
  it('counts a process of this host as gone when its pid is dead or is now ours', () => {
    expect(isGoneOwner(`${hostname()}/2147483646/01OLD`, self)).toBe(true);
    expect(isGoneOwner(`${hostname()}/${process.pid}/01OLD`, self)).toBe(true);
  });

  it('never counts itself, a live process or another host as gone', () => {
    expect(isGoneOwner(self, self)).toBe(false);
    expect(isGoneOwner(`${hostname()}/${process.ppid}/01PARENT`, self)).toBe(false);
    expect(isGoneOwner('elsewhere/2147483646/01OLD', self)).toBe(false);
    expect(isGoneOwner('garbage', self)).toBe(false);
  });
});
