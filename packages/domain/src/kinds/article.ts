/**
 * "an image", "a cluster", "a user": the indefinite article a noun takes in messages and summaries.
 * A "u" before a consonant and a vowel is said "you" (user, unit), so it takes "a".
 */
export function withArticle(noun: string): string {
  const vowelSound = /^[aeio]/i.test(noun) || (/^u/i.test(noun) && !/^u[^aeiou][aeiou]/i.test(noun));
  return `${vowelSound ? 'an' : 'a'} ${noun}`;
}
