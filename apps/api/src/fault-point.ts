/**
 * A named place where a crash test wants the process to stop. Only `SLIPWAY_FAULT=<name>`, which
 * nothing but tests sets, makes it do anything: then it says so on stderr and never returns, so the
 * test can `kill -9` the process exactly there and look at what it left behind.
 */
export async function faultPoint(name: string): Promise<void> {
  if (process.env.SLIPWAY_FAULT !== name) return;
  process.stderr.write(`slipway: fault point ${name} reached\n`);
  await new Promise<never>(() => {});
}
