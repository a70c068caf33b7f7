import Fastify from 'fastify';

/**
 * The baseline: a bare Fastify server with one route answering the same JSON body Slipway serves.
 * It runs as its own process, like Slipway, so neither server shares an event loop with autocannon.
 */
const body: unknown = JSON.parse(process.env.BENCH_BODY ?? '{}');
const app = Fastify();
app.get('/v1/images/:id', async () => body);
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${address}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
