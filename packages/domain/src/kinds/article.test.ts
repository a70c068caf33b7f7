import { describe, expect, it } from 'vitest';
import { withArticle } from './article';

describe('withArticle', () => {
  it('says "an" before a vowel sound and "a" before anything else', () => {
    expect(withArticle('image')).toBe('an image');
    expect(withArticle('cluster')).toBe('a cluster');
    expect(withArticle('service')).toBe('a service');
    expect(withArticle('setting')).toBe('a setting');
    expect(withArticle('user')).toBe('a user');
    expect(withArticle('update')).toBe('an update');
  });
});
