import { CliExit, EXIT } from './exit-codes';

/**
 * `--spec '{"size": 2}'` and `--set size=2 --set provider.balancerPort=8080` make one object; a
 * --set value is JSON when it parses as JSON (numbers, booleans, arrays), else the string itself.
 */
export function specFrom(spec: string | undefined, sets: readonly string[]): Record<string, unknown> {
  let result: Record<string, unknown> = {};
  if (spec !== undefined) {
    try {
      const parsed: unknown = JSON.parse(spec);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      result = parsed as Record<string, unknown>;
    } catch (error) {
      throw new CliExit(EXIT.usage, `slipway: --spec must be a JSON object (${(error as Error).message})`);
    }
  }
  for (const assignment of sets) {
    const at = assignment.indexOf('=');
    if (at <= 0) throw new CliExit(EXIT.usage, `slipway: --set wants key=value, got "${assignment}"`);
    const path = assignment.slice(0, at).split('.');
    const raw = assignment.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {}
    let target = result;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      const child = typeof next === 'object' && next !== null ? (next as Record<string, unknown>) : {};
      target[key] = child;
      target = child;
    }
    target[path.at(-1)!] = value;
  }
  return result;
}

export function labelsFrom(labels: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const label of labels) {
    const at = label.indexOf('=');
    if (at <= 0) throw new CliExit(EXIT.usage, `slipway: --label wants key=value, got "${label}"`);
    result[label.slice(0, at)] = label.slice(at + 1);
  }
  return result;
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];
