import { afterAll, describe, expect, it } from 'vitest';
import { FERRETDB_BIN, ferretdbAvailable, OwnFerretDb } from './support/ferretdb';
import {
  createImage,
  helloImageSpec,
  type TransitionEntity,
  transitionsOf,
  waitForRun,
} from './support/image-api';
import { pollUntil } from './support/poll';
import { SlipwayProcess, stopAllSlipways } from './support/slipway-process';

const inCi = process.env.CI === 'true';
const MISSING = `no FerretDB binary at ${FERRETDB_BIN}; run bash scripts/ci-services.sh (or set FERRETDB_BIN)`;
if (!ferretdbAvailable() && !inCi) process.stderr.write(`store-outage.test.ts: skipped: ${MISSING}\n`);

let database: OwnFerretDb | null = null;
afterAll(async () => {
  await stopAllSlipways();
  await database?.stop();
});

const BATCH = 6;

describe('the MongoDB-protocol server crashes mid-batch (FerretDB, kill -9)', () => {
  it.runIf(!ferretdbAvailable() && inCi)('has FerretDB (required under CI=true)', () => {
    expect.fail(MISSING);
  });

  it.runIf(ferretdbAvailable())(
    'answers 503 while it is down, loses no acknowledged transition, and every run ends terminal',
    async () => {
      database = await OwnFerretDb.start();
      const server = await SlipwayProcess.start({ env: { MONGO_URL: database.url('slipway_outage') } });
      const runs: string[] = [];
      for (let index = 0; index < BATCH; index += 1) {
        const image = await createImage(
          server,
          `outage-${index}`,
          helloImageSpec({ build: 'sleep 2 && npm run build' }),
        );
        const run = await server.api<{ id: string }>('POST', `/v1/images/${image.id}/runs`, {
          target: 'built',
        });
        expect(run.status, run.text).toBe(202);
        runs.push(run.body.id);
      }
      // What the API has acknowledged so far: every record must still be there afterwards.
      const acknowledged = (
        await server.api<{ items: TransitionEntity[] }>('GET', '/v1/transitions?limit=200')
      ).body.items;
      expect(acknowledged.length).toBeGreaterThan(0);

      await database.crash();
      const during = await server.api('GET', '/v1/images');
      expect(during.status, `${during.text}\n${server.errorLogs.toString()}`).toBe(503);
      expect(during.body).toMatchObject({ code: 'service_unavailable' });
      const ready = await server.api('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(String(ready.body.detail)).toMatch(/^store: down \(mongodb\)/);
      expect(server.errorLogs.toString()).not.toMatch(/"statusCode":500/);

      await database.resume();
      await pollUntil('the API to answer again', async () =>
        (await server.api('GET', '/health/ready')).status === 200 ? true : undefined,
      );
      const ended = await Promise.all(runs.map((id) => waitForRun(server, id)));
      for (const run of ended) expect(['succeeded', 'failed']).toContain(run.status);
      const after = (await server.api<{ items: TransitionEntity[] }>('GET', '/v1/transitions?limit=200')).body
        .items;
      const kept = new Set(after.map((transition) => transition.id));
      expect(acknowledged.filter((transition) => !kept.has(transition.id))).toEqual([]);
      // Exactly one record per state change, each run's chain unbroken.
      for (const run of ended) {
        const chain = await transitionsOf(server, run.resourceId);
        expect(chain.map((t) => t.seq)).toEqual(chain.map((_, index) => index + 1));
        chain.forEach((t, index) => {
          if (index > 0) expect(t.from).toBe(chain[index - 1]!.to);
        });
      }
      console.log(
        `store outage: ${ended.filter((run) => run.status === 'succeeded').length}/${BATCH} runs succeeded, the rest failed with: ${JSON.stringify(ended.filter((run) => run.status !== 'succeeded').map((run) => run.error))}`,
      );
    },
    240_000,
  );
});
