import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createImage, helloImageSpec, waitForRun } from './support/image-api';
import { OutputBuffer } from './support/output-buffer';
import { pollUntil } from './support/poll';
import { killProcessesWithin } from './support/process-table';
import { type FollowedEvent, followRun } from './support/run-event-follower';
import { describeWithService, findMongo, findRedis, uniqueDatabaseName } from './support/services';
import { ACCEPTANCE_SECRET_KEY, REPO_ROOT, SlipwayProcess, stopAllSlipways } from './support/slipway-process';

/**
 * GET /v1/runs/{id}/events on the production shape: the API queues on Redis, two worker processes
 * walk the runs, and the API's stream learns of each transition from the shared MongoDB store.
 */
const [mongo, redis] = await Promise.all([findMongo(), findRedis()]);

const workers: { child: ChildProcess; stderr: OutputBuffer }[] = [];
let dataDir = '';

afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  if (dataDir) await killProcessesWithin(dataDir);
  await stopAllSlipways();
});

/** The audit ids of the transitions streamed, checking each event id is its position in the run. */
function transitionIds(events: readonly FollowedEvent[], after = 0): string[] {
  const transitions = events.filter((event) => event.event === 'transition');
  expect(transitions.map((event) => event.id)).toEqual(
    transitions.map((_, index) => String(after + index + 1)),
  );
  return transitions.map((event) => String(event.data.id));
}

describeWithService('run events from worker processes', mongo, (mongoUrl) => {
  describeWithService('with Redis', redis, (redisUrl) => {
    let server: SlipwayProcess;
    let env: Record<string, string>;

    async function startWorkers(): Promise<void> {
      for (let index = 0; index < 2; index += 1) {
        const child = spawn(process.execPath, ['--enable-source-maps', 'dist/worker-main.js'], {
          cwd: REPO_ROOT,
          env: { ...process.env, ...env },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        const stderr = new OutputBuffer();
        child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.append(chunk));
        workers.push({ child, stderr });
        await pollUntil(`worker ${index} to take jobs`, async () =>
          /walking runs from the queue/.test(stderr.toString()) ? true : undefined,
        );
      }
    }

    /** The run's audit records, the truth every follower is held to. */
    async function auditOf(runId: string): Promise<string[]> {
      const page = await server.api<{ items: { id: string }[] }>(
        'GET',
        `/v1/transitions?runId=${runId}&limit=200`,
      );
      return page.body.items.map((item) => item.id).sort();
    }

    beforeAll(async () => {
      const database = new URL(mongoUrl);
      database.pathname = `/${uniqueDatabaseName('slipway_events')}`;
      env = {
        MONGO_URL: database.toString(),
        REDIS_URL: redisUrl,
        SLIPWAY_QUEUE: uniqueDatabaseName('slipway-events'),
        SLIPWAY_WORKER_HEALTH_PORT: '0',
        // A MongoDB deployment's processes refuse to start without the secret key; the workers
        // started here get the one the API gets.
        SLIPWAY_SECRET_KEY: ACCEPTANCE_SECRET_KEY,
      };
      server = await SlipwayProcess.start({ env });
      dataDir = server.dataDir;
      env.SLIPWAY_DATA_DIR = dataDir;
      env.SLIPWAY_IMAGE_SOURCE_ROOTS = `${REPO_ROOT}/examples`;
    }, 120_000);

    it('followers attached before, during and after a run each see every transition once, then the status', async () => {
      // The build waits for this file, made once the "during" follower has seen the run running: with
      // a fixed sleep, workers slow to start under load could finish the run before it attached.
      const gate = join(await mkdtemp(join(tmpdir(), 'slipway-events-gate-')), 'open');
      const image = await createImage(
        server,
        'events-a',
        helloImageSpec({ build: `while [ ! -e '${gate}' ]; do sleep 0.1; done && npm run build` }),
      );
      const run = await server.api<{ id: string }>('POST', `/v1/images/${image.id}/runs`, {
        target: 'built',
      });
      expect(run.status, run.text).toBe(202);
      const follow = { baseUrl: server.baseUrl, token: server.token, runId: run.body.id };
      // No worker runs yet, so this follower is attached before the run's first step.
      const before = followRun(follow);
      await startWorkers();
      await waitForRun(server, run.body.id, (seen) => seen.status === 'running' && seen.step === 'build');
      const during = await followRun({
        ...follow,
        until: (event) => {
          if (event.event === 'progress') void writeFile(gate, '');
          return false;
        },
      });
      const after = await followRun(follow);
      const early = await before;

      const audit = await auditOf(run.body.id);
      expect(audit).toHaveLength(2);
      for (const [name, events] of [
        ['before', early],
        ['during', during],
        ['after', after],
      ] as const) {
        expect(transitionIds(events), name).toEqual(audit);
        expect(events.at(-1), name).toMatchObject({ event: 'status', data: { status: 'succeeded' } });
        expect(
          events.filter((event) => event.event === 'status'),
          name,
        ).toHaveLength(1);
      }
      expect(early.find((event) => event.event === 'progress')).toMatchObject({ data: { status: 'queued' } });
      expect(during.find((event) => event.event === 'progress')).toMatchObject({
        data: { status: 'running', step: 'build' },
      });
      expect(after.some((event) => event.event === 'progress')).toBe(false);
      const transitions = early.filter((event) => event.event === 'transition').map((event) => event.data);
      expect(transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['pending>building', 'building>built']);
      // The build's output is recorded with its success, and the stream sends it just before it.
      const logIndex = early.findIndex((event) => event.event === 'log');
      expect(logIndex).toBeGreaterThan(-1);
      expect(early[logIndex]!.data.transitionId).toBe(audit[1]);
    }, 180_000);

    it('a follower that reconnects with Last-Event-ID resumes after it, missing and repeating nothing', async () => {
      // The first case starts the workers once its run is queued; run alone (-t), this one starts them.
      if (workers.length === 0) await startWorkers();
      const image = await createImage(
        server,
        'events-b',
        helloImageSpec({ build: 'sleep 2 && npm run build' }),
      );
      const run = await server.api<{ id: string }>('POST', `/v1/images/${image.id}/runs`, {
        target: 'built',
      });
      const follow = { baseUrl: server.baseUrl, token: server.token, runId: run.body.id };
      const first = await followRun({ ...follow, until: (event) => event.event === 'transition' });
      const lastId = first.at(-1)!.id!;
      await waitForRun(server, run.body.id);
      const resumed = await followRun({ ...follow, lastEventId: lastId });
      expect([...transitionIds(first), ...transitionIds(resumed, Number(lastId))]).toEqual(
        await auditOf(run.body.id),
      );
      expect(resumed.at(-1)).toMatchObject({ event: 'status', data: { status: 'succeeded' } });
      // Reconnecting after the end gives the status again and no transition twice.
      const late = await followRun({
        ...follow,
        lastEventId: String(Number(lastId) + transitionIds(resumed, Number(lastId)).length),
      });
      expect(transitionIds(late)).toEqual([]);
      expect(late.at(-1)).toMatchObject({ event: 'status' });
    }, 120_000);

    it('counts the runs where they happen: queued by the API, ended by the workers (each its own /metrics)', async () => {
      const counter = (text: string, name: string, labels: Record<string, string>) =>
        parsePrometheusTextFormat(text)
          .find((family) => family.name === name)
          ?.metrics.filter((metric) =>
            Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value),
          )
          .reduce((sum, metric) => sum + Number(metric.value), 0) ?? 0;
      const api = await (await fetch(`${server.baseUrl}/metrics`)).text();
      const built = { kind: 'image', target: 'built' };
      expect(counter(api, 'slipway_runs_started_total', built)).toBe(2);
      expect(
        parsePrometheusTextFormat(api).find((family) => family.name === 'slipway_queue_jobs')?.type,
      ).toBe('GAUGE');
      let ended = 0;
      for (const worker of workers) {
        const healthUrl = /health at (http:\S+)/.exec(worker.stderr.toString())![1]!;
        const text = await (await fetch(healthUrl.replace(/\/health\/ready$/, '/metrics'))).text();
        ended += counter(text, 'slipway_runs_finished_total', { ...built, outcome: 'succeeded' });
      }
      expect(ended).toBe(2);
    });

    it('refuses an unknown run and a missing token with a problem, before any stream', async () => {
      const unknown = await fetch(`${server.baseUrl}/v1/runs/01ZZZZZZZZZZZZZZZZZZZZZZZZ/events`, {
        headers: { authorization: `Bearer ${server.token}` },
      });
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await unknown.json()) as { code: string }).code).toBe('run_not_found');
      const anonymous = await fetch(`${server.baseUrl}/v1/runs/01ZZZZZZZZZZZZZZZZZZZZZZZZ/events`);
      expect(anonymous.status).toBe(401);
    });
  });
});
