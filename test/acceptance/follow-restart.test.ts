import { followRunEvents, type RunStreamEvent } from '@slipway/client';
import { afterAll, expect, it } from 'vitest';
import { freePort } from './support/cluster-api';
import { ferretdbAvailable, OwnFerretDb } from './support/ferretdb';
import { createImage, helloImageSpec } from './support/image-api';
import { pollUntil } from './support/poll';
import { killProcessesWithin } from './support/process-table';
import { SlipwayProcess, stopAllSlipways } from './support/slipway-process';

/**
 * The client's follower (what `slipway runs follow` and `--wait` use) across a real restart of the
 * API: the server is SIGKILLed while a run is being followed and started again on the same data
 * directory and port; the follower retries the refused connections with backoff, resumes with
 * Last-Event-ID, and ends with every transition once and the final status.
 */
let dataDir = '';
let database: OwnFerretDb | null = null;
afterAll(async () => {
  await stopAllSlipways();
  if (dataDir) await killProcessesWithin(dataDir);
  await database?.stop();
});

it('a follow survives the API being killed and restarted mid-run, missing and repeating nothing', async () => {
  const port = await freePort();
  const env = { PORT: String(port) };
  let server = await SlipwayProcess.start({ env });
  dataDir = server.dataDir;
  const image = await createImage(
    server,
    'follow-restart',
    helloImageSpec({ build: 'sleep 4 && npm run build' }),
  );
  const run = await server.api<{ id: string }>('POST', `/v1/images/${image.id}/runs`, { target: 'built' });
  expect(run.status, run.text).toBe(202);

  const events: RunStreamEvent[] = [];
  let restarted: Promise<void> | null = null;
  for await (const event of followRunEvents({
    baseUrl: server.baseUrl,
    token: server.token,
    runId: run.body.id,
  })) {
    events.push(event);
    if (event.event === 'transition' && restarted === null) {
      // The run is in its build step: kill the API under the open stream, and bring it back.
      restarted = (async () => {
        await server.kill('SIGKILL');
        server = await SlipwayProcess.start({ dataDir, env });
      })();
    }
  }
  await restarted;
  expect(server.port).toBe(port);

  const audit = await server.api<{ items: { id: string }[] }>(
    'GET',
    `/v1/transitions?runId=${run.body.id}&limit=200`,
  );
  const transitions = events.filter((event) => event.event === 'transition');
  expect(transitions.map((event) => event.id)).toEqual(audit.body.items.map((_, index) => String(index + 1)));
  expect(transitions.map((event) => event.data.id)).toEqual(audit.body.items.map((item) => item.id));
  expect(transitions.map((event) => `${event.data.from}>${event.data.to}`)).toEqual([
    'pending>building',
    'building>built',
  ]);
  expect(events.filter((event) => event.event === 'status')).toHaveLength(1);
  expect(events.at(-1)).toMatchObject({ event: 'status', data: { status: 'succeeded' } });
}, 180_000);

// Under CI=true store-outage.test.ts already fails when FerretDB is missing; this one only skips.
it.runIf(ferretdbAvailable())(
  'a follow waits out the store being down, through the 503s the API answers meanwhile',
  async () => {
    database = await OwnFerretDb.start();
    const server = await SlipwayProcess.start({ env: { MONGO_URL: database.url('slipway_follow_outage') } });
    const image = await createImage(
      server,
      'follow-outage',
      helloImageSpec({ build: 'sleep 3 && npm run build' }),
    );
    const run = await server.api<{ id: string }>('POST', `/v1/images/${image.id}/runs`, { target: 'built' });
    expect(run.status, run.text).toBe(202);
    const events: RunStreamEvent[] = [];
    let outage: Promise<void> | null = null;
    const refusedFollows = () =>
      server.stdout
        .toString()
        .split('\n')
        .filter(
          (line) => line.includes(`/v1/runs/${run.body.id}/events`) && line.includes('"statusCode":503'),
        );
    for await (const event of followRunEvents({
      baseUrl: server.baseUrl,
      token: server.token,
      runId: run.body.id,
    })) {
      events.push(event);
      if (event.event === 'transition' && outage === null) {
        outage = (async () => {
          await database!.crash();
          // The follower is back, and refused with 503 while the store is away: then it comes back.
          await pollUntil('the follower to be refused with 503', async () =>
            refusedFollows().length > 0 ? true : undefined,
          );
          await database!.resume();
        })();
      }
    }
    await outage;
    expect(refusedFollows().length).toBeGreaterThan(0);
    const audit = await server.api<{ items: { id: string }[] }>(
      'GET',
      `/v1/transitions?runId=${run.body.id}&limit=200`,
    );
    const transitions = events.filter((event) => event.event === 'transition');
    expect(transitions.map((event) => event.data.id)).toEqual(audit.body.items.map((item) => item.id));
    expect(transitions.map((event) => event.id)).toEqual(
      audit.body.items.map((_, index) => String(index + 1)),
    );
    // The walk may have failed on the outage too; the follow ends with whatever the run ended as.
    const final = await server.api<{ status: string }>('GET', `/v1/runs/${run.body.id}`);
    expect(events.at(-1)).toMatchObject({ event: 'status', data: { status: final.body.status } });
    expect(['succeeded', 'failed']).toContain(final.body.status);
  },
  180_000,
);
