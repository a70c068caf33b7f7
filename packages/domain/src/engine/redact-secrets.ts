const SECRET_KEY = /secret|password|passwd|token|credential|private.?key/i;

/** Provider outputs go into audit records and responses; secret-looking keys never do. */
export function redactSecrets(value: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (SECRET_KEY.test(key)) result[key] = '[redacted]';
    else if (inner && typeof inner === 'object' && !Array.isArray(inner))
      result[key] = redactSecrets(inner as Record<string, unknown>);
    else result[key] = inner;
  }
  return result;
}
