/**
 * A named place in the HTTP layer where a crash test wants the server to stop:
 * `SLIPWAY_FAULT=http:<name>`, honoured only with `NODE_ENV=test` so a stray variable in production
 * does nothing. There it says so on stderr and never returns, so the test can kill -9 the server
 * exactly at that point and look at what it left behind.
 */
export async function faultPoint(name: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.NODE_ENV !== 'test' || env.SLIPWAY_FAULT !== `http:${name}`) return;
  process.stderr.write(`slipway: fault point http:${name} reached\n`);
  await new Promise<never>(() => {});
}
