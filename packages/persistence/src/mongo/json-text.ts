/**
 * Free-form maps (spec, status, labels, provider outputs) are stored as JSON text. Their keys come
 * from users and providers, and FerretDB v1 refuses keys that contain `.` or start with `$` (MongoDB
 * accepts them only with caveats), so storing them as fields would make some valid input unsavable.
 * Nothing queries inside them except labels, which get their own matchable field.
 */
export function toJsonText(value: Record<string, unknown>): string {
  return JSON.stringify(value);
}

export function fromJsonText<T extends Record<string, unknown>>(text: string): T {
  return JSON.parse(text) as T;
}
