import { setTimeout as sleep } from 'node:timers/promises';

/** A step's view of its AWS calls: each call logged with its request id, so a failed step names them. */
export interface CallLog {
  log(line: string): void;
}

interface Answered {
  $metadata: { requestId?: string };
}

/** Sends through `send`, logging the action, what it touched and its request id. */
export async function logged<T extends Answered>(
  context: CallLog,
  action: string,
  send: () => Promise<T>,
  touched: (answer: T) => string = () => '',
): Promise<T> {
  const answer = await send();
  const what = touched(answer);
  context.log(`${action}${what ? ` ${what}` : ''} (request ${answer.$metadata.requestId ?? 'unknown'})`);
  return answer;
}

/** The name of an SDK error (`InvalidInstanceID.NotFound`), or undefined for anything else. */
export function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error && typeof error.name === 'string' ? error.name : undefined;
}

/**
 * An error after which the call may still have taken effect: no answer, a timeout, a server
 * fault. A client fault (bad parameter, limit) means EC2 refused it.
 */
export function maybeDone(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const fault = (error as { $fault?: string }).$fault;
  return fault !== 'client' || /Timeout|Unavailable|InternalError/.test(error.name);
}

/** EC2 reads lag its writes: right after a create, NotFound means "not yet". */
export function isNotFound(error: unknown): boolean {
  const name = awsErrorName(error) ?? '';
  return name.endsWith('.NotFound') || name.endsWith('NotFound');
}

export interface PollOptions {
  signal: AbortSignal;
  /** First pause between looks; doubles up to `maxDelayMs`. */
  delayMs: number;
  maxDelayMs: number;
  /** Gives up after this long in total. */
  timeoutMs: number;
}

export type Poll<T> = { done: true; value: T } | { done: false; why: string };

export class PollTimeout extends Error {
  override readonly name = 'PollTimeout';
}

/**
 * Looks until `look` says done, backing off between looks; a NotFound counts as "not yet". Throws
 * the signal's reason when aborted, and `PollTimeout` with the last reason past the timeout.
 */
export async function pollUntil<T>(look: () => Promise<Poll<T>>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let delay = options.delayMs;
  let why = 'not looked yet';
  for (;;) {
    options.signal.throwIfAborted();
    try {
      const result = await look();
      if (result.done) return result.value;
      why = result.why;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      why = `${awsErrorName(error)} (EC2 reads lag its writes)`;
    }
    if (Date.now() + delay > deadline) throw new PollTimeout(why);
    await sleep(delay, undefined, { signal: options.signal });
    delay = Math.min(delay * 2, options.maxDelayMs);
  }
}
