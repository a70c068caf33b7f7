import type { KindDefinition } from '../kinds/kind-definition';

/** The dimensions the kind declares, read from the spec, for the run about to be accepted. */
export function analyticsGroupsOf(
  definition: KindDefinition,
  spec: Record<string, unknown>,
): Record<string, string> {
  const groups: Record<string, string> = {};
  for (const [name, dimension] of Object.entries(definition.analytics?.groupBy ?? {})) {
    const value = dimension.field
      .split('.')
      .reduce<unknown>(
        (at, part) =>
          at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[part] : undefined,
        spec,
      );
    if (typeof value === 'string' || typeof value === 'number') groups[name] = String(value);
    else if (dimension.default !== undefined) groups[name] = dimension.default;
  }
  return groups;
}
