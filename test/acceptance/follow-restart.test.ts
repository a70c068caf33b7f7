import { followRunEvents, type RunStreamEvent } from '@slipway/client';
import { afterAll, expect, it } from 'vitest';
import { freePort } from './support/cluster-api';
import { createImage, helloImageSpec } from './support/image-api';
import { killProcessesWithin } from './support/process-table';
import { SlipwayProcess, stopAllSlipways } from './support/slipway-process';

/**
 * The client's follower (what `slipway runs follow` and `--wait` use) across a real restart of the
 * API: the server is SIGKILLed while a run is being followed and started again on the same data
 * directory and port; the follower retries the refused connections with backoff, resumes with
 * Last-Event-ID, and ends with every transition once and the final status.
 */
let dataDir = '';
afterAll(async () => {
  await stopAllSlipways();
  if (dataDir) await killProcessesWithin(dataDir);
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
