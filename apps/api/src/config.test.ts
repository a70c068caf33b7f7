import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSlipway } from './compose';
import { ConfigError, loadConfig } from './config';

const refusal = (env: Record<string, string>) => {
  try {
    loadConfig(env, '/srv');
  } catch (error) {
    return error instanceof ConfigError ? { variable: error.variable, message: error.message } : error;
  }
  return null;
};

describe('configuration', () => {
  it('defaults to the embedded backends', () => {
    expect(loadConfig({}, '/srv')).toEqual({
      host: '127.0.0.1',
      port: 7070,
      dataDir: '/srv/.slipway',
      adminToken: undefined,
      concurrency: 4,
      maxAttempts: 5,
      imageSourceRoots: [],
      logLevel: 'info',
      mongoUrl: undefined,
      redisUrl: undefined,
      queueName: 'slipway-runs',
      workerHealthPort: 7071,
      aws: undefined,
    });
  });

  it('makes the EC2 provider available with AWS_REGION, against AWS_ENDPOINT_URL when given', () => {
    expect(loadConfig({}, '/srv').aws).toBeUndefined();
    expect(loadConfig({ AWS_REGION: 'eu-west-1' }, '/srv').aws).toEqual({
      region: 'eu-west-1',
      endpoint: undefined,
    });
    expect(
      loadConfig({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }, '/srv').aws,
    ).toEqual({ region: 'us-east-1', endpoint: 'http://127.0.0.1:5000' });
  });

  it('takes MONGO_URL and REDIS_URL', () => {
    expect(
      loadConfig({ MONGO_URL: 'mongodb://db:27017/slipway', REDIS_URL: 'redis://queue:6379' }, '/srv'),
    ).toMatchObject({ mongoUrl: 'mongodb://db:27017/slipway', redisUrl: 'redis://queue:6379' });
  });

  it('refuses a bad value naming the variable and what to set', () => {
    expect(refusal({ PORT: 'eighty' })).toMatchObject({ variable: 'PORT' });
    expect(refusal({ MONGO_URL: 'localhost:27017' })).toMatchObject({
      variable: 'MONGO_URL',
      message: expect.stringContaining('mongodb://'),
    });
    expect(refusal({ REDIS_URL: 'http://queue' })).toMatchObject({ variable: 'REDIS_URL' });
    expect(refusal({ AWS_REGION: 'Ireland' })).toMatchObject({ variable: 'AWS_REGION' });
    expect(refusal({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' })).toMatchObject({ variable: 'AWS_REGION' });
    expect(refusal({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'localhost:5000' })).toMatchObject({
      variable: 'AWS_ENDPOINT_URL',
    });
    expect(refusal({ SLIPWAY_ADMIN_TOKEN: 'short' })).toMatchObject({ variable: 'SLIPWAY_ADMIN_TOKEN' });
    expect(refusal({ LOG_LEVEL: 'loud' })).toMatchObject({ variable: 'LOG_LEVEL' });
    expect(refusal({ SLIPWAY_QUEUE: 'a queue' })).toMatchObject({ variable: 'SLIPWAY_QUEUE' });
    for (const attempts of ['0', 'five', '2.5', '101']) {
      expect(refusal({ SLIPWAY_MAX_ATTEMPTS: attempts })).toMatchObject({
        variable: 'SLIPWAY_MAX_ATTEMPTS',
        message: expect.stringContaining('from 1 to 100'),
      });
    }
    expect(loadConfig({ SLIPWAY_MAX_ATTEMPTS: '2' }, '/srv').maxAttempts).toBe(2);
  });

  it('fails startup naming MONGO_URL or REDIS_URL when no server answers there', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipway-config-'));
    try {
      // Port 9 (discard) on loopback: nothing listens, so the connection is refused at once.
      const config = loadConfig({ SLIPWAY_DATA_DIR: dataDir, MONGO_URL: 'mongodb://127.0.0.1:9/slipway' });
      await expect(createSlipway(config)).rejects.toThrow(/^MONGO_URL: no MongoDB server answered/);
      const noRedis = loadConfig({ SLIPWAY_DATA_DIR: dataDir, REDIS_URL: 'redis://127.0.0.1:9' });
      await expect(createSlipway(noRedis)).rejects.toThrow(/^REDIS_URL .*no Redis server answered/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
