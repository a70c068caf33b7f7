/** The outcome of one verification, stored on transitions so a failure explains itself. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was expected and what was found, in words an operator can act on. */
  message: string;
  durationMs: number;
}

export type Check = () => Promise<CheckResult>;

/**
 * Times a check body and turns a throw into a failed result, so a broken check can never
 * pass silently or take down the step that runs it.
 */
export async function timedCheck(
  name: string,
  body: () => Promise<{ ok: boolean; message: string }>,
): Promise<CheckResult> {
  const started = performance.now();
  let verdict: { ok: boolean; message: string };
  try {
    verdict = await body();
  } catch (error) {
    verdict = {
      ok: false,
      message: `check threw: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  return { name, ...verdict, durationMs: Math.round((performance.now() - started) * 1000) / 1000 };
}

export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
