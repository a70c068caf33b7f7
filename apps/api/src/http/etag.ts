export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * The version an If-Match header insists on: null when absent or `*`, NaN when it names no
 * version Slipway issued (so it can never match).
 */
export function versionFromIfMatch(header: string | undefined): number | null {
  if (header === undefined || header.trim() === '*') return null;
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header);
  return match ? Number(match[1]) : Number.NaN;
}
