import { createSlipway } from './compose';
import { ConfigError, loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const slipway = await createSlipway(config, { logger: { level: config.logLevel } });
  const { app } = slipway;
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const baseUrl = `http://${config.host}:${port}`;
  // One human line on stderr whatever LOG_LEVEL says, so an operator (or a script using PORT=0)
  // always learns where the server listens.
  process.stderr.write(`slipway: listening on ${baseUrl} (API browser: ${baseUrl}/docs)\n`);
  if (slipway.generatedToken) {
    process.stdout.write(
      `\nSlipway admin token (shown once, store it now):\n\n  ${slipway.generatedToken}\n\n` +
        `Use it as: Authorization: Bearer <token>. Set SLIPWAY_ADMIN_TOKEN to choose your own.\n\n`,
    );
  }
  app.log.info(
    {
      dataDir: config.dataDir,
      recoveredRuns: slipway.recoveredRuns,
      docs: `${baseUrl}/docs`,
    },
    'slipway ready',
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down; unfinished runs resume at the next start');
    slipway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`slipway: bad configuration: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `slipway: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
