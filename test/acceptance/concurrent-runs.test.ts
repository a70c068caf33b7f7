import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createImage,
  getImage,
  helloImageSpec,
  type ImageEntity,
  type RunEntity,
  type TransitionEntity,
  transitionsOf,
  waitForRun,
} from './support/image-api';
import { describeWithService, findMongo, uniqueDatabaseName } from './support/services';
import {
  type ApiResponse,
  type JsonObject,
  SlipwayProcess,
  stopAllSlipways,
} from './support/slipway-process';

const mongo = await findMongo();

/** MONGO_URL with a database of this run's own, so parallel files and reruns never meet. */
function ownDatabase(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${uniqueDatabaseName('slipway_race')}`;
  return parsed.toString();
}

afterAll(async () => stopAllSlipways());

// The embedded default, then the MongoDB store, whose one-active-run rule holds without transactions.
raceSuite('on the embedded default (lmdb)', 20, () => SlipwayProcess.start());
describeWithService('on the MongoDB store', mongo, (url) => {
  raceSuite('', 50, () => SlipwayProcess.start({ env: { MONGO_URL: ownDatabase(url) } }));
});

function raceSuite(label: string, PARALLEL: number, start: () => Promise<SlipwayProcess>): void {
  let server: SlipwayProcess;
  beforeAll(async () => {
    server = await start();
  }, 120_000);

  /** The whole audit log, every page: to prove nothing else was written beside the run's records. */
  async function wholeAuditLog(): Promise<TransitionEntity[]> {
    const items: TransitionEntity[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=200&cursor=${encodeURIComponent(cursor)}` : '?limit=200';
      const page = await server.api<{ items: TransitionEntity[]; nextCursor: string | null }>(
        'GET',
        `/v1/transitions${query}`,
      );
      expect(page.status, page.text).toBe(200);
      items.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    return items;
  }

  function statuses(responses: ApiResponse<JsonObject>[]): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const response of responses) counts[response.status] = (counts[response.status] ?? 0) + 1;
    return counts;
  }

  describe(`${PARALLEL} parallel requests over HTTP ${label}`.trim(), () => {
    it('run requests on one image: exactly one 202, the rest 409 run_conflict naming it; one run of transitions', async () => {
      // The build outlasts the burst, so every loser meets the active run rather than a finished one.
      const image = await createImage(
        server,
        'race-run',
        helloImageSpec({ build: 'sleep 3 && npm run build' }),
      );
      const auditBefore = await wholeAuditLog();
      expect(await transitionsOf(server, image.id)).toEqual([]);

      const responses = await Promise.all(
        Array.from({ length: PARALLEL }, () =>
          server.api('POST', `/v1/images/${image.id}/runs`, { target: 'built' }),
        ),
      );
      expect(statuses(responses), responses.map((r) => r.text).join('\n')).toEqual({
        202: 1,
        409: PARALLEL - 1,
      });
      const accepted = responses.find((response) => response.status === 202)!.body as unknown as RunEntity;
      for (const refused of responses.filter((response) => response.status === 409)) {
        expect(refused.contentType).toMatch(/^application\/problem\+json/);
        expect(refused.body).toMatchObject({ code: 'run_conflict', activeRunId: accepted.id });
        expect(String(refused.body.detail)).toContain(accepted.id);
      }

      const ended = await waitForRun(server, accepted.id);
      expect(ended, server.describe()).toMatchObject({ status: 'succeeded', error: null });
      expect(await getImage(server, image.id)).toMatchObject({ state: 'built', activeRunId: null });

      const transitions = await transitionsOf(server, image.id);
      expect(transitions.map((t) => `${t.seq}:${t.from}>${t.to}`)).toEqual([
        '1:pending>building',
        '2:building>built',
      ]);
      expect(transitions.every((t) => t.runId === accepted.id)).toBe(true);
      const auditAfter = await wholeAuditLog();
      expect(auditAfter.length - auditBefore.length).toBe(transitions.length);
      const added = auditAfter.filter((t) => !auditBefore.some((before) => before.id === t.id));
      expect(added.map((t) => t.id).sort()).toEqual(transitions.map((t) => t.id).sort());
    }, 120_000);

    it('creates with one name: exactly one 201, the rest 409 name_taken, one image listed', async () => {
      const responses = await Promise.all(
        Array.from({ length: PARALLEL }, () =>
          server.api('POST', '/v1/images', { name: 'race-name', spec: helloImageSpec() }),
        ),
      );
      expect(statuses(responses), responses.map((r) => r.text).join('\n')).toEqual({
        201: 1,
        409: PARALLEL - 1,
      });
      for (const refused of responses.filter((response) => response.status === 409)) {
        expect(refused.body).toMatchObject({ code: 'name_taken' });
      }
      const created = responses.find((response) => response.status === 201)!.body as unknown as ImageEntity;
      const listed = await server.api<{ items: ImageEntity[] }>('GET', '/v1/images?limit=200');
      expect(listed.body.items.filter((item) => item.name === 'race-name').map((item) => item.id)).toEqual([
        created.id,
      ]);
    }, 60_000);
  });
}
