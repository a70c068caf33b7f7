import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSlipway, type TestSlipway } from '../../testing/test-slipway';

/**
 * Slipway's own ports as bound, not as configured: with `PORT=0` the API listens on a port the OS
 * picked, and a service asking for it must be refused naming Slipway.
 */
let api: TestSlipway;
let bound: number;
const WORKER_HEALTH_PORT = 7398;
const redis = process.env.REDIS_URL;

beforeAll(async () => {
  api = await startTestSlipway({
    PORT: '0',
    ...(redis
      ? {
          REDIS_URL: redis,
          SLIPWAY_QUEUE: `own-port-${randomBytes(4).toString('hex')}`,
          SLIPWAY_WORKER_HEALTH_PORT: String(WORKER_HEALTH_PORT),
        }
      : {}),
  });
  await api.slipway.app.listen({ host: '127.0.0.1', port: 0 });
  const address = api.slipway.app.server.address();
  if (!address || typeof address === 'string') throw new Error('expected a TCP address');
  bound = address.port;
}, 60_000);
afterAll(async () => api.close());

describe("a service on one of Slipway's own ports", () => {
  it('PORT=0: the port the API was bound to is refused with 409 port_taken naming Slipway, and nothing is stored', async () => {
    const refused = await api.request('POST', '/v1/services', {
      body: { name: 'on-api', spec: { provider: { type: 'local', port: bound } } },
    });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json()).toMatchObject({
      code: 'port_taken',
      port: bound,
      holder: { kind: 'slipway', name: 'api' },
    });
    expect(refused.json().detail).toContain("Slipway's own API");
    expect((await api.request('GET', '/v1/services')).json().items).toEqual([]);
  });

  it.skipIf(!redis)('with workers (REDIS_URL), their health port is refused too', async () => {
    const refused = await api.request('POST', '/v1/services', {
      body: { name: 'on-worker', spec: { provider: { type: 'local', port: WORKER_HEALTH_PORT } } },
    });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json()).toMatchObject({
      code: 'port_taken',
      holder: { kind: 'slipway', name: 'worker health' },
    });
  });
});
