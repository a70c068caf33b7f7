import { ConfigError, loadConfig } from './config';
import { createWorker } from './worker-process';

/** `npm run worker`: one worker process; SIGTERM hands walks in progress back and exits. */
async function main(): Promise<void> {
  const config = loadConfig();
  const healthPort = config.workerHealthPort;
  const log = (line: string) => process.stderr.write(`slipway worker: ${line}\n`);
  const worker = await createWorker(config, { healthPort, log });
  log(`walking runs from the queue (concurrency ${config.concurrency}); health at ${worker.healthUrl}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: handing walks in progress back to the queue`);
    worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  const code = error instanceof ConfigError ? 2 : 1;
  process.stderr.write(
    `slipway worker: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(code);
});
