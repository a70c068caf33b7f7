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

/**
 * A named place outside a request where a crash test wants the process to die at once:
 * `SLIPWAY_FAULT=<layer>:<name>` (`migration:service-created`), honoured only with `NODE_ENV=test`.
 * It says so on stderr and kills the process with SIGKILL, so the next start finds exactly the
 * state of that moment.
 */
export async function crashPoint(
  layer: string,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (env.NODE_ENV !== 'test' || env.SLIPWAY_FAULT !== `${layer}:${name}`) return;
  process.stderr.write(`slipway: fault point ${layer}:${name} reached\n`);
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is not delivered synchronously; nothing after the fault point may run meanwhile.
  await new Promise<never>(() => {});
}
