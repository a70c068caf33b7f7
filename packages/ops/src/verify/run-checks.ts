import type { Check, CheckResult } from './check-result';

export interface ChecksReport {
  /** True only when there was at least one check and every check passed: no checks prove nothing. */
  ok: boolean;
  results: CheckResult[];
}

/** Runs checks concurrently (they are independent probes) and keeps their order in the report. */
export async function runChecks(checks: Check[]): Promise<ChecksReport> {
  const results = await Promise.all(
    checks.map(async (check, index) => {
      try {
        return await check();
      } catch (error) {
        // Our checks never throw; a hand-written one might, and must still count as a failure.
        return {
          name: `check #${index + 1}`,
          ok: false,
          message: `check threw: ${error instanceof Error ? error.message : String(error)}`,
          durationMs: 0,
        };
      }
    }),
  );
  return { ok: results.length > 0 && results.every((result) => result.ok), results };
}
