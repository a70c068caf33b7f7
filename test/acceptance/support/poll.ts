export interface PollOptions {
  /** Generous on purpose: this bounds a wait, it is not a performance assertion. */
  timeoutMs?: number;
  intervalMs?: number;
  /** Appended to the timeout error so a failure says what was awaited and what the server said. */
  describe?: () => string;
}

/** Calls `probe` until it returns a value other than undefined; throws with context on timeout. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: PollOptions = {},
): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = null;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? `\nlast error: ${lastError.message}` : '';
      const context = options.describe ? `\n${options.describe()}` : '';
      throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms${cause}${context}`);
    }
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}
