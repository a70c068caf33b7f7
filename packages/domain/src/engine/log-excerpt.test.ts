import { describe, expect, it } from 'vitest';
import { LogExcerpt } from './log-excerpt';
import { redactSecrets } from './redact-secrets';

describe('LogExcerpt', () => {
  it('keeps the tail and says how much it dropped', () => {
    const excerpt = new LogExcerpt(1024, 3);
    excerpt.append('one\ntwo\nthree\nfour\n');
    excerpt.append('five');
    expect(excerpt.toString()).toBe('… 2 earlier line(s) dropped\nthree\nfour\nfive');
  });

  it('bounds the size in bytes', () => {
    const excerpt = new LogExcerpt(100, 1000);
    for (let i = 0; i < 50; i += 1) excerpt.append(`line ${i} ${'x'.repeat(20)}`);
    expect(excerpt.toString().length).toBeLessThan(160);
    expect(excerpt.toString()).toContain('line 49');
  });
});

describe('redactSecrets', () => {
  it('redacts secret-looking keys at any depth', () => {
    expect(redactSecrets({ path: '/x', apiToken: 'abc', nested: { password: 'p', port: 1 } })).toEqual({
      path: '/x',
      apiToken: '[redacted]',
      nested: { password: '[redacted]', port: 1 },
    });
  });
});
