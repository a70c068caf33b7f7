import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import {
  failed,
  type imageKind,
  type ProviderFor,
  type StepContext,
  type StepOutcome,
  succeeded,
} from '@slipway/domain';

/** One line of the ledger: what a provider in some process did, by idempotency token. */
export interface LedgerEntry {
  /** call: the engine called the step; effect: the "cloud" created something; done: the step returned success. */
  kind: 'call' | 'effect' | 'done' | 'abort' | 'cleanup';
  resource: string;
  token: string;
  attempt: number;
  pid: number;
  reason?: string;
}

export interface EffectLedgerOptions {
  /** Append-only file shared by every process: one JSON line per entry. */
  ledgerFile: string;
  /** Time the create call takes before its effect exists. */
  beforeEffectMs: number;
  /** Time after the effect until the step can answer (waiting for the thing to come up). */
  afterEffectMs: number;
}

/** Images labelled with this hold their build until the run is cancelled. */
export const HOLD_LABEL = 'hold';

/**
 * An image provider standing for a cloud whose create call takes an idempotency token, as EC2's
 * ClientToken does: the "cloud" is an append-only ledger file shared by every worker process, and
 * an effect is one line in it. A retried step first looks its token up in the ledger and, when the
 * effect is already there, answers from it instead of creating again, as a real provider does.
 */
export function effectLedgerProvider(options: EffectLedgerOptions): ProviderFor<typeof imageKind> {
  const { ledgerFile } = options;
  const record = (context: StepContext, kind: LedgerEntry['kind'], reason?: string) =>
    appendLedger(ledgerFile, {
      kind,
      resource: context.resource.name,
      token: context.idempotencyToken,
      attempt: context.attempt,
      pid: process.pid,
      ...(reason === undefined ? {} : { reason }),
    });
  const aborted = (context: StepContext): StepOutcome => {
    record(context, 'abort', String(context.signal.reason));
    return failed('aborted', `aborted: ${String(context.signal.reason)}`);
  };

  return {
    backend: 'ledger',
    steps: {
      build: async (context) => {
        record(context, 'call');
        if (context.resource.labels[HOLD_LABEL]) {
          await sleep(Number.POSITIVE_INFINITY, context.signal);
          return aborted(context);
        }
        const existing = readLedger(ledgerFile).find(
          (entry) => entry.kind === 'effect' && entry.token === context.idempotencyToken,
        );
        if (!existing) {
          if (!(await sleep(options.beforeEffectMs, context.signal))) return aborted(context);
          record(context, 'effect');
        }
        if (!(await sleep(options.afterEffectMs, context.signal))) return aborted(context);
        record(context, 'done');
        return succeeded({ effectBy: existing?.pid ?? process.pid });
      },
      destroy: async () => succeeded(),
    },
    cleanup: async (context) => {
      record(context, 'cleanup');
    },
  };
}

/** One write per line with O_APPEND: lines from several processes never interleave. */
function appendLedger(file: string, entry: LedgerEntry): void {
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

export function readLedger(file: string): LedgerEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as LedgerEntry);
}

/** Resolves true after `ms`, or false as soon as the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = Number.isFinite(ms) ? setTimeout(() => finish(true), ms) : null;
    const onAbort = () => finish(false);
    function finish(completed: boolean) {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(completed);
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
