import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSchemathesis, runSchemathesis } from './support/schemathesis';
import { SlipwayProcess, stopAllSlipways } from './support/slipway-process';

const binary = findSchemathesis();
const inCi = process.env.CI === 'true';
const MISSING =
  'schemathesis not found (SCHEMATHESIS_BIN, ./.venv/bin, PATH); install it with `pip install schemathesis`';

if (!binary && !inCi) process.stderr.write(`fuzz.test.ts: skipped: ${MISSING}\n`);

const scratch: string[] = [];
afterAll(async () => {
  await stopAllSlipways();
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('fuzzing the API from its own OpenAPI document (schemathesis)', () => {
  it.runIf(!binary && inCi)('has schemathesis installed (required under CI=true)', () => {
    expect.fail(MISSING);
  });

  it.runIf(binary !== null)(
    'finds no server error, and every response matches the documented status, content type and schema',
    async () => {
      // Fuzzed specs can only name sources under an empty dir: nothing real is ever copied or built.
      const emptyRoot = await mkdtemp(join(tmpdir(), 'slipway-fuzz-sources-'));
      const workDir = await mkdtemp(join(tmpdir(), 'slipway-fuzz-work-'));
      scratch.push(emptyRoot, workDir);
      const server = await SlipwayProcess.start({ imageSourceRoots: [emptyRoot] });
      const result = await runSchemathesis({
        binary: binary!,
        schemaUrl: `${server.baseUrl}/openapi.json`,
        token: server.token,
        cwd: workDir,
        maxExamples: 30,
        timeoutMs: 8 * 60_000,
      });
      // The request log would bury schemathesis's findings; a 500's cause is in the error-level lines.
      const report = `${result.output}\n--- server error-level log lines:\n${server.errorLogs}\n--- server stderr:\n${server.stderr}`;
      expect(result.timedOut, `schemathesis did not finish in time\n${report}`).toBe(false);
      expect(server.exit, `the server died while fuzzed\n${report}`).toBeNull();
      expect(result.exitCode, report).toBe(0);
    },
    10 * 60_000,
  );
});
