import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { OutputBuffer } from './output-buffer';
import { REPO_ROOT } from './slipway-process';

/** The checks the API must pass; names as `schemathesis run --help` (v4) spells them. */
export const FUZZ_CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `SCHEMATHESIS_BIN`, else the repo's .venv (where scripts/ensure-test-tools.sh installs it), else PATH.
 * Null when none is found.
 */
export function findSchemathesis(): string | null {
  const candidates = [
    process.env.SCHEMATHESIS_BIN,
    join(REPO_ROOT, '.venv/bin/schemathesis'),
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'schemathesis')),
  ];
  return (
    candidates.find((candidate): candidate is string => Boolean(candidate) && executable(candidate!)) ?? null
  );
}

export interface FuzzRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  output: string;
}

export interface FuzzOptions {
  binary: string;
  schemaUrl: string;
  token: string;
  /** Where schemathesis may write its caches; never the repo. */
  cwd: string;
  maxExamples: number;
  /** Kills the fuzzer past this; the test then fails with what it printed so far. */
  timeoutMs: number;
}

export async function runSchemathesis(options: FuzzOptions): Promise<FuzzRun> {
  const args = [
    'run',
    options.schemaUrl,
    '--header',
    `Authorization: Bearer ${options.token}`,
    '--checks',
    FUZZ_CHECKS.join(','),
    '--max-examples',
    String(options.maxExamples),
    '--workers',
    '1',
    '--request-timeout',
    '30',
    '--generation-database',
    'none',
    '--no-color',
    // The token is ours and fake; keeping it visible in reproductions saves a step when a failure is reported.
    '--output-sanitize',
    'false',
  ];
  const output = new OutputBuffer(512 * 1024);
  const child = spawn(options.binary, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => output.append(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => output.append(chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
    child.once('error', fail);
    child.once('close', (code, exitSignal) => done([code, exitSignal]));
  }).finally(() => clearTimeout(timer));
  return {
    exitCode,
    signal,
    timedOut,
    output: `$ ${options.binary} ${args.join(' ')}\n${output.toString()}`,
  };
}
