import { createHash } from 'node:crypto';

/**
 * EC2's ClientToken for one create of one step of one run: the walker's idempotency token (the
 * same on every attempt) plus what is created, hashed to fit EC2's 64 ASCII characters.
 */
export function clientToken(idempotencyToken: string, what: string): string {
  return createHash('sha256').update(`${idempotencyToken}\n${what}`).digest('hex').slice(0, 48);
}
