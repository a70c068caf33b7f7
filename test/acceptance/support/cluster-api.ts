import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createImage, type RunEntity, requestBuild, waitForRun } from './image-api';
import type { JsonObject, SlipwayProcess } from './slipway-process';

export interface InstanceView {
  index: number;
  pid: number;
  port: number;
  running?: boolean;
}

export interface ClusterEntity {
  id: string;
  name: string;
  state: string;
  activeRunId: string | null;
  spec: { service: string; image: string; size: number };
  status: JsonObject;
  observed?: { instances?: InstanceView[]; service?: { name: string; live: string | null } } & JsonObject;
}

function unexpected(server: SlipwayProcess, what: string, status: number, text: string): Error {
  return new Error(`${what}: HTTP ${status} ${text}\n${server.describe()}`);
}

/** Creates an image from examples/hello-app at `version` and builds it; answers its id. */
export async function bakeImage(server: SlipwayProcess, name: string, version: string): Promise<string> {
  const image = await createImage(server, name, {
    source: 'examples/hello-app',
    build: 'npm run build',
    start: 'node server.js',
    version,
  });
  const run = await waitForRun(server, (await requestBuild(server, image.id)).id);
  if (run.status !== 'succeeded') throw new Error(`image ${name} did not build: ${JSON.stringify(run)}`);
  return image.id;
}

export async function createCluster(
  server: SlipwayProcess,
  name: string,
  spec: JsonObject,
): Promise<ClusterEntity> {
  const response = await server.api<ClusterEntity>('POST', '/v1/clusters', { name, spec });
  if (response.status !== 201)
    throw unexpected(server, `POST /v1/clusters ${name}`, response.status, response.text);
  return response.body;
}

export async function getCluster(server: SlipwayProcess, id: string): Promise<ClusterEntity> {
  const response = await server.api<ClusterEntity>('GET', `/v1/clusters/${id}`);
  if (response.status !== 200)
    throw unexpected(server, `GET /v1/clusters/${id}`, response.status, response.text);
  return response.body;
}

/** Requests `target` and waits for the run to end; answers the ended run (any status). */
export async function moveCluster(server: SlipwayProcess, id: string, body: JsonObject): Promise<RunEntity> {
  const response = await server.api<RunEntity>('POST', `/v1/clusters/${id}/runs`, body);
  if (response.status !== 202)
    throw unexpected(
      server,
      `POST /v1/clusters/${id}/runs ${JSON.stringify(body)}`,
      response.status,
      response.text,
    );
  return waitForRun(server, response.body.id);
}

export async function verifyCluster(server: SlipwayProcess, id: string): Promise<RunEntity> {
  const response = await server.api<RunEntity>('POST', `/v1/clusters/${id}/verify`);
  if (response.status !== 202)
    throw unexpected(server, `POST /v1/clusters/${id}/verify`, response.status, response.text);
  return waitForRun(server, response.body.id);
}

/** A port nothing listens on right now, for the service's balancer. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** What the hello-app behind `url` says it is: its version, or an error string. */
export async function versionAt(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = (await response.json()) as { version?: string };
    return response.ok ? String(body.version) : `HTTP ${response.status}`;
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The versions `count` requests through the balancer answered, in order. */
export async function versionsThrough(url: string, count = 6): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < count; i += 1) seen.push(await versionAt(url));
  return seen;
}

/**
 * Whether `pid` still runs. A zombie counts as gone: it has exited, and an instance started by a
 * Slipway that was killed -9 is reparented to an init that may never reap it.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc to ask: signal 0 is all there is
  }
}

/**
 * A steady stream of requests through the balancer from `concurrency` loops until stopped:
 * counts answers per version, failures (with their first messages) and the slowest request.
 */
export function steadyLoad(url: string, concurrency = 8) {
  let running = true;
  const stats = {
    requests: 0,
    failures: 0,
    maxMs: 0,
    versions: {} as Record<string, number>,
    errors: [] as string[],
  };
  const loop = async () => {
    while (running) {
      const started = performance.now();
      let outcome: string;
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        const body = (await response.json()) as { version?: string };
        outcome = response.ok ? `v${body.version}` : `HTTP ${response.status}`;
      } catch (error) {
        outcome = `error: ${error instanceof Error ? error.message : String(error)}`;
      }
      stats.maxMs = Math.max(stats.maxMs, performance.now() - started);
      stats.requests += 1;
      if (outcome.startsWith('v')) stats.versions[outcome] = (stats.versions[outcome] ?? 0) + 1;
      else {
        stats.failures += 1;
        if (stats.errors.length < 5) stats.errors.push(outcome);
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    stats,
    async stop() {
      running = false;
      await Promise.all(loops);
      return stats;
    },
  };
}
