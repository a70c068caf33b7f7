/**
 * One balancer operation per service at a time in this process: two promotes racing would both
 * start a balancer or interleave their swaps. Keyed by the service directory, so provider objects
 * sharing a data directory share the lock.
 */
const tails = new Map<string, Promise<unknown>>();

export async function withServiceLock<T>(key: string, body: () => Promise<T>): Promise<T> {
  const before = tails.get(key) ?? Promise.resolve();
  const run = before.then(body, body);
  const tail = run.catch(() => {});
  tails.set(key, tail);
  try {
    return await run;
  } finally {
    if (tails.get(key) === tail) tails.delete(key);
  }
}
