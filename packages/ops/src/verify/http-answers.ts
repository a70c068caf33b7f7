import { isDeepStrictEqual } from 'node:util';
import { type CheckResult, timedCheck } from './check-result';

export interface HttpAnswersOptions {
  url: string;
  /** Expected status code; default 200. */
  status?: number;
  bodyIncludes?: string;
  /** A field of the JSON body, by dot path (`version`, `items.0.id`), that must deep-equal `equals`. */
  jsonField?: { path: string; equals: unknown };
  timeoutMs: number;
}

const EXCERPT = 200;

export function httpAnswers(options: HttpAnswersOptions): Promise<CheckResult> {
  const { url, status = 200, bodyIncludes, jsonField, timeoutMs } = options;
  return timedCheck(`GET ${url} answers ${status}`, async () => {
    let response: Response;
    let body: string;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      body = await response.text();
    } catch (error) {
      return {
        ok: false,
        message: `expected GET ${url} to answer ${status}, found ${describeFetchError(error, timeoutMs)}`,
      };
    }
    const seen = `body ${JSON.stringify(excerpt(body))}`;
    if (response.status !== status) {
      return {
        ok: false,
        message: `expected GET ${url} to answer ${status}, found ${response.status}; ${seen}`,
      };
    }
    if (bodyIncludes !== undefined && !body.includes(bodyIncludes)) {
      return {
        ok: false,
        message: `expected the body of GET ${url} to include ${JSON.stringify(bodyIncludes)}, found ${seen}`,
      };
    }
    if (jsonField) {
      const verdict = checkJsonField(body, jsonField.path, jsonField.equals);
      if (verdict) return { ok: false, message: `GET ${url}: ${verdict}; ${seen}` };
    }
    return {
      ok: true,
      message: `GET ${url} answered ${status}${jsonField ? ` with ${jsonField.path} = ${JSON.stringify(jsonField.equals)}` : ''}`,
    };
  });
}

/** Returns what went wrong, or null when the field holds the expected value. */
function checkJsonField(body: string, path: string, equals: unknown): string | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return `expected a JSON body with ${path} = ${JSON.stringify(equals)}, found a body that is not JSON`;
  }
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) {
      return `expected JSON field ${path} = ${JSON.stringify(equals)}, found no field ${path}`;
    }
    value = (value as Record<string, unknown>)[key];
  }
  return isDeepStrictEqual(value, equals)
    ? null
    : `expected JSON field ${path} = ${JSON.stringify(equals)}, found ${JSON.stringify(value)}`;
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs}ms`;
  }
  // fetch hides the socket error (ECONNREFUSED, ENOTFOUND) in `cause`.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return `${'code' in cause ? String(cause.code) : cause.message}`;
  return error instanceof Error ? error.message : String(error);
}

function excerpt(body: string): string {
  return body.length > EXCERPT ? `${body.slice(0, EXCERPT)}…` : body;
}
