import { afterEach, describe, expect, it } from 'vitest';
import {
  createImage,
  getImage,
  type ImageEntity,
  type RunEntity,
  requestBuild,
  transitionsOf,
  waitForRun,
} from './support/image-api';
import { MOTO_BASE_IMAGE, MOTO_MISSING, MOTO_URL, MotoAccount } from './support/moto-account';
import { pollUntil } from './support/poll';
import { type JsonObject, SlipwayProcess, stopAllSlipways } from './support/slipway-process';

const inCi = process.env.CI === 'true';
if (!MOTO_URL && !inCi) process.stderr.write(`ec2-images.test.ts: skipped: ${MOTO_MISSING}\n`);

const accounts: MotoAccount[] = [];
afterEach(async () => {
  await stopAllSlipways();
  for (const account of accounts.splice(0)) account.close();
});

function account(): MotoAccount {
  if (!MOTO_URL) expect.fail(MOTO_MISSING);
  const opened = new MotoAccount(MOTO_URL);
  accounts.push(opened);
  return opened;
}

const ec2Spec = (version: string): JsonObject => ({
  build: 'make install',
  start: 'node server.js',
  version,
  provider: { type: 'ec2', baseImage: MOTO_BASE_IMAGE, app: 'https://example.com/hello-app.git' },
});

async function destroy(server: SlipwayProcess, image: ImageEntity): Promise<RunEntity> {
  const posted = await server.api<RunEntity>('POST', `/v1/images/${image.id}/runs`, {
    target: 'destroyed',
    reason: 'acceptance: leave the account empty',
  });
  expect(posted.status, posted.text).toBe(202);
  return waitForRun(server, posted.body.id);
}

describe.runIf(!MOTO_URL && inCi)('EC2 images over HTTP', () => {
  it('has moto (AWS_ENDPOINT_URL) under CI=true', () => {
    expect.fail(MOTO_MISSING);
  });
});

describe.runIf(MOTO_URL !== null)('EC2 images over HTTP, on moto', () => {
  it('bakes two AMIs, each from a builder that is terminated after, and destroying both leaves the account empty', async () => {
    const moto = account();
    const server = await SlipwayProcess.start({ env: moto.serverEnv() });
    const baked: ImageEntity[] = [];
    for (const version of ['1.0.0', '2.0.0']) {
      const image = await createImage(server, `ec2-${version.replaceAll('.', '-')}`, ec2Spec(version));
      const run = await waitForRun(server, (await requestBuild(server, image.id)).id);
      expect(run, server.describe()).toMatchObject({ status: 'succeeded' });
      baked.push(await getImage(server, image.id));
    }
    const amis = baked.map((image) => String(image.status.amiId));
    // GET looks at the AMI in EC2 now, beside what the bake recorded.
    const seen = await server.api<{ observed?: { ami?: JsonObject } }>('GET', `/v1/images/${baked[0]!.id}`);
    expect(seen.body.observed?.ami).toMatchObject({ id: amis[0], state: 'available', region: 'us-east-1' });
    expect(new Set(amis).size).toBe(2);
    const own = await moto.ownImages();
    expect(own.map((image) => image.ImageId).sort()).toEqual([...amis].sort());
    for (const image of own) {
      expect(image.State).toBe('available');
      expect(image.Tags).toContainEqual({
        Key: 'slipway:image',
        Value: baked[amis.indexOf(image.ImageId!)]!.id,
      });
    }
    const builders = await moto.instances();
    expect(builders.map((builder) => builder.State?.Name)).toEqual(['terminated', 'terminated']);
    // The step's log names the AWS calls, with their request ids, and what they touched.
    const buildRecord = (await transitionsOf(server, baked[0]!.id)).find((t) => t.to === 'built');
    const excerpt = JSON.stringify(buildRecord);
    expect(excerpt).toMatch(/ec2:RunInstances builder i-[0-9a-f]+ from ami-[0-9a-f]+ \(request \w+\)/);
    expect(excerpt).toContain(`ec2:CreateImage ${amis[0]}`);

    // Clusters run on the local provider only so far: one cannot start from an AMI.
    const cluster = await server.api('POST', '/v1/clusters', {
      name: 'web-blue',
      spec: { service: 'web-ec2', image: baked[0]!.id, size: 1 },
    });
    expect(cluster.status, cluster.text).toBe(400);
    expect(cluster.text).toContain("a cluster's provider must match its image's");
    expect((await server.api<{ items: unknown[] }>('GET', '/v1/services')).body.items).toEqual([]);

    const snapshots = baked.flatMap((image) => image.status.snapshotIds as string[]);
    expect(snapshots.length).toBeGreaterThan(0);
    for (const image of baked) expect(await destroy(server, image)).toMatchObject({ status: 'succeeded' });
    expect(await moto.leftovers(snapshots)).toEqual([]);
  }, 120_000);

  it('refuses bad EC2 specs with a 400 that says what to fix, and creates nothing', async () => {
    const moto = account();
    const server = await SlipwayProcess.start({ env: moto.serverEnv() });
    const withSource = await server.api('POST', '/v1/images', {
      name: 'ec2-with-source',
      spec: { ...ec2Spec('1.0.0'), source: 'examples/hello-app' },
    });
    expect(withSource.status).toBe(400);
    expect(withSource.text).toContain('spec.source: is a local-provider notion');
    const badAmi = await server.api('POST', '/v1/images', {
      name: 'ec2-bad-ami',
      spec: { ...ec2Spec('1.0.0'), provider: { type: 'ec2', baseImage: 'not-an-ami' } },
    });
    expect(badAmi.status).toBe(400);
    expect(badAmi.text).toContain('baseImage');
    expect((await server.api<{ items: unknown[] }>('GET', '/v1/images')).body.items).toEqual([]);

    // Without AWS configuration the server cannot take an EC2 image at all, and says what to set.
    const local = await SlipwayProcess.start();
    const refused = await local.api('POST', '/v1/images', { name: 'ec2-nowhere', spec: ec2Spec('1.0.0') });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('AWS_REGION');
  }, 120_000);

  it('fails the run naming the base AMI when it does not exist, and leaves nothing behind', async () => {
    const moto = account();
    const server = await SlipwayProcess.start({ env: moto.serverEnv() });
    const image = await createImage(server, 'ec2-missing-base', {
      ...ec2Spec('1.0.0'),
      provider: { type: 'ec2', baseImage: 'ami-0000000000000dead' },
    });
    const run = await waitForRun(server, (await requestBuild(server, image.id)).id);
    expect(run).toMatchObject({ status: 'failed', error: { code: 'base_image_missing' } });
    expect(run.error?.message).toContain('ami-0000000000000dead');
    expect(await moto.leftovers([])).toEqual([]);
  }, 120_000);

  for (const action of ['RunInstances', 'CreateImage']) {
    it(`resumes a bake killed right after ${action} answered without creating a second one`, async () => {
      const moto = account();
      const crashing = await SlipwayProcess.start({
        env: { ...moto.serverEnv(), SLIPWAY_FAULT: `ec2:after:${action}` },
      });
      const image = await createImage(crashing, `ec2-crash-${action.toLowerCase()}`, ec2Spec('1.0.0'));
      await crashing.api('POST', `/v1/images/${image.id}/runs`, { target: 'built' }).catch(() => null);
      const exit = await pollUntil(
        'the server to die at the fault point',
        async () => crashing.exit ?? undefined,
        {
          describe: () => crashing.describe(),
        },
      );
      expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
      expect(crashing.stderr.toString()).toContain(`fault point ec2:after:${action} reached`);

      // Just before the kill: the call took effect, and no transition past building was recorded.
      const live = (await moto.instances()).filter((instance) => instance.State?.Name !== 'terminated');
      expect(live).toHaveLength(1);
      expect(await moto.ownImages()).toHaveLength(action === 'CreateImage' ? 1 : 0);

      const resumed = await SlipwayProcess.start({ dataDir: crashing.dataDir, env: moto.serverEnv() });
      const transitions = await transitionsOf(resumed, image.id);
      const runId = transitions[0]!.runId;
      const run = await waitForRun(resumed, runId);
      expect(run, resumed.describe()).toMatchObject({ status: 'succeeded' });
      const instances = await moto.instances();
      expect(instances.map((instance) => instance.State?.Name)).toEqual(['terminated']);
      const amis = await moto.ownImages();
      expect(amis.map((ami) => ami.ImageId)).toEqual([(await getImage(resumed, image.id)).status.amiId]);
      expect((await transitionsOf(resumed, image.id)).map((t) => `${t.from}>${t.to}:${t.outcome}`)).toEqual([
        'pending>building:requested',
        'building>built:succeeded',
      ]);
    }, 180_000);
  }
});
