/**
 * Log-spaced duration bins (the DDSketch mapping): bin i ≥ 1 holds durations in (γ^(i-2), γ^(i-1)]
 * ms and answers with the one value within `RELATIVE_ERROR` of all of them; bin 0 holds 0 ms. Bins
 * of any number of buckets add up, so a percentile over a range costs the bins, not the records.
 */
export const RELATIVE_ERROR = 0.02;
const GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);

/** Bin counts by bin number (as a string, so the same object is a JSON and a MongoDB document). */
export type Bins = Record<string, number>;

export function binOf(durationMs: number): number {
  if (durationMs <= 0) return 0;
  // The epsilon keeps exact powers of γ in their own bin despite rounding in the logarithm.
  return Math.ceil(Math.log(durationMs) / LOG_GAMMA - 1e-9) + 1;
}

/** The value a bin answers with: at most RELATIVE_ERROR away from any duration it holds. */
export function valueOfBin(bin: number): number {
  if (bin <= 0) return 0;
  return (2 * GAMMA ** (bin - 1)) / (GAMMA + 1);
}

export function addToBins(bins: Bins, durationMs: number, count = 1): void {
  const key = String(binOf(durationMs));
  bins[key] = (bins[key] ?? 0) + count;
}

export function mergeBins(into: Bins, from: Bins): void {
  for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count;
}

/**
 * The nearest-rank quantile (the ⌈q·n⌉-th smallest duration) within RELATIVE_ERROR, never above
 * the exact maximum.
 */
export function quantileOfBins(bins: Bins, q: number, maxMs: number): number | null {
  const entries = Object.entries(bins)
    .map(([bin, count]) => [Number(bin), count] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [bin, count] of entries) {
    seen += count;
    if (seen >= rank) return Math.min(valueOfBin(bin), maxMs);
  }
  return maxMs;
}
