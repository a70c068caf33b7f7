import { createServer, type Server } from 'node:http';
import type { Store, StoreConnection } from '@slipway/domain';
import { BullmqWorker } from '@slipway/ops';
import { ConfigError, type SlipwayConfig } from './config';
import { type EngineOptions, openEngine } from './engine';
import { SlipwayMetrics } from './metrics/slipway-metrics';

export interface SlipwayWorker {
  worker: BullmqWorker;
  store: Store;
  /** Where `GET /health/ready` answers (store and Redis), for container health checks; `/metrics` is beside it. */
  healthUrl: string | null;
  close(): Promise<void>;
}

export interface WorkerOptions extends EngineOptions {
  /** Port of the small health endpoint; null for none. */
  healthPort: number | null;
  log: (line: string) => void;
}

/**
 * A worker process: walks the runs the API queues on Redis, against the same store and with the
 * same providers. Any number of them, on any machines, share the queue.
 */
export async function createWorker(config: SlipwayConfig, options: WorkerOptions): Promise<SlipwayWorker> {
  if (!config.redisUrl) {
    throw new ConfigError('REDIS_URL', 'is not set; a worker takes its runs from the BullMQ queue on Redis');
  }
  const metrics = new SlipwayMetrics();
  const engine = await openEngine(config, { ...options, metrics });
  const { store, walker } = engine;
  const worker = await BullmqWorker.start({
    connection: config.redisUrl,
    queueName: config.queueName,
    store,
    walker,
    concurrency: config.concurrency,
    onError: (runId, error) =>
      options.log(`run ${runId ?? '-'}: ${error instanceof Error ? error.message : String(error)}`),
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const health =
    options.healthPort === null ? null : await healthServer(options.healthPort, store, worker, metrics);
  return {
    worker,
    store,
    healthUrl: health ? `http://127.0.0.1:${(health.address() as { port: number }).port}/health/ready` : null,
    async close() {
      // Hands walks in progress back to the queue, then lets go of the store.
      await worker.close();
      await new Promise<void>((done) => (health ? health.close(() => done()) : done()));
      await store.close();
    },
  };
}

function healthServer(
  port: number,
  store: StoreConnection,
  worker: BullmqWorker,
  metrics: SlipwayMetrics,
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === '/metrics') {
      // The runs this worker walked and ended, and its store latency; public, as on the API.
      metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => response.writeHead(500).end(),
      );
      return;
    }
    if (request.url !== '/health/ready') {
      response.writeHead(404).end();
      return;
    }
    Promise.all([store.ping(), worker.ping()]).then(
      () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'),
      (error: unknown) =>
        response.writeHead(503, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            status: 'down',
            detail: error instanceof Error ? error.message : String(error),
          }),
        ),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
}
