/**
 * A scrape-time reading that scrapes share: at most one read in flight, and its answer reused for
 * `maxAgeMs`, so however often (or however many at once) `/metrics` is scraped, it reads the store
 * at most once per period. A failed read is not kept: the next scrape tries again.
 */
export function sharedReading<T>(read: () => Promise<T>, maxAgeMs: number): () => Promise<T> {
  let kept: { value: T; at: number } | null = null;
  let inFlight: Promise<T> | null = null;
  return () => {
    if (kept && performance.now() - kept.at < maxAgeMs) return Promise.resolve(kept.value);
    inFlight ??= read()
      .then((value) => {
        kept = { value, at: performance.now() };
        return value;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };
}
