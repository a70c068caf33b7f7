import { afterAll, beforeAll, expect, it } from 'vitest';
import { createImage, helloImageSpec, type RunEntity, waitForRun } from './support/image-api';
import { pollUntil } from './support/poll';
import { describeWithService, findMongo, uniqueDatabaseName } from './support/services';
import { SlipwayProcess, stopAllSlipways } from './support/slipway-process';

const mongo = await findMongo();
afterAll(async () => stopAllSlipways());

/**
 * Two API processes sharing one MongoDB: a user suspended through one is refused at once by that
 * one and, without a restart, by the other (its verified-token cache believes a token for at most
 * one second); the other's open run event stream for that user ends too.
 */
describeWithService('suspending a user on two API processes sharing MongoDB', mongo, (url) => {
  let a: SlipwayProcess;
  let b: SlipwayProcess;
  beforeAll(async () => {
    const shared = new URL(url);
    shared.pathname = `/${uniqueDatabaseName('slipway_users')}`;
    a = await SlipwayProcess.start({ env: { MONGO_URL: shared.toString() } });
    b = await SlipwayProcess.start({ env: { MONGO_URL: shared.toString() } });
  }, 180_000);

  it('cuts its tokens off at once on the handling process, soon on the other, and ends its streams', async () => {
    const user = await a.api<{ id: string }>('POST', '/v1/users', {
      name: 'olga',
      spec: { roles: ['operator'] },
    });
    expect(user.status, user.text).toBe(201);
    const invitation = await a.api<{ secret: string }>('POST', `/v1/users/${user.body.id}/invitation`);
    // Accepted through the other process: the store is the one truth.
    const issued = await b.api<{ secret: string }>(
      'POST',
      `/v1/users/${user.body.id}/tokens`,
      { name: 'olga-laptop' },
      { authorization: `Bearer ${invitation.body.secret}` },
    );
    expect(issued.status, issued.text).toBe(201);
    const olga = { authorization: `Bearer ${issued.body.secret}` };
    for (const server of [a, b])
      expect((await server.api('GET', '/v1/me', undefined, olga)).status).toBe(200);

    // A run that stays running, followed by olga on process b.
    const image = await createImage(a, 'slow-img', helloImageSpec({ build: 'sleep 120' }));
    const build = await a.api<RunEntity>('POST', `/v1/images/${image.id}/runs`, { target: 'built' });
    expect(build.status).toBe(202);
    const stream = await fetch(`${b.baseUrl}/v1/runs/${build.body.id}/events`, { headers: olga });
    expect(stream.status).toBe(200);
    const streamText = stream.text();

    const suspension = await a.api<RunEntity>('POST', `/v1/users/${user.body.id}/runs`, {
      target: 'suspended',
      reason: 'laptop stolen',
    });
    expect(suspension.status, suspension.text).toBe(202);
    expect((await a.api('GET', '/v1/me', undefined, olga)).status).toBe(401);
    await pollUntil('process b to refuse the suspended user', async () =>
      (await b.api('GET', '/v1/me', undefined, olga)).status === 401 ? true : undefined,
    );
    // The stream ended on its own, saying why, while the run it followed is still running.
    expect(await streamText).toContain('event: unauthorized');
    expect((await a.api<RunEntity>('GET', `/v1/runs/${build.body.id}`)).body.status).toBe('running');

    expect(await waitForRun(a, suspension.body.id)).toMatchObject({
      status: 'succeeded',
      requestedBy: 'admin',
    });
    for (const server of [a, b])
      expect((await server.api('GET', '/v1/me', undefined, olga)).status).toBe(401);
    await a.api('POST', `/v1/runs/${build.body.id}/cancel`, { reason: 'test over' });
    await waitForRun(a, build.body.id);
  }, 180_000);
});
