import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from './support/cluster-api';
import { createImage, helloImageSpec, requestBuild, transitionsOf, waitForRun } from './support/image-api';
import { ACCEPTANCE_TOKEN, SlipwayProcess, stopAllSlipways } from './support/slipway-process';

/** The log excerpt of a resource's transitions, as the audit trail holds it. */
async function logsOf(server: SlipwayProcess, imageId: string): Promise<string> {
  const transitions = (await transitionsOf(server, imageId)) as unknown as { log: string }[];
  return transitions.map((transition) => transition.log).join('\n');
}

async function bake(server: SlipwayProcess, name: string, build: string) {
  const image = await createImage(server, name, helloImageSpec({ build }));
  const run = await waitForRun(server, (await requestBuild(server, image.id)).id);
  return { image, run, log: await logsOf(server, image.id) };
}

describe('builds that misbehave, against a real server', () => {
  let server: SlipwayProcess;
  beforeAll(async () => {
    server = await SlipwayProcess.start();
  }, 120_000);
  afterAll(() => stopAllSlipways());

  it('a build printing 600 MB without a newline succeeds, its excerpt holds the cut line, the server lives', async () => {
    const { run, log } = await bake(
      server,
      'long-line',
      'head -c 629145600 /dev/zero | tr "\\0" a; echo; node build.js',
    );
    expect(run).toMatchObject({ status: 'succeeded' });
    expect(log).toContain(`${'a'.repeat(1024)}… (${629145600 - 1024} more bytes cut)`);
    expect(server.exit).toBeNull();
    expect((await server.api('GET', '/health/ready')).status).toBe(200);
  }, 120_000);

  it("a build never sees the server's admin token, so its log excerpt cannot hold it", async () => {
    const { run, log } = await bake(server, 'env-dump', 'env | grep -i slipway; node build.js');
    expect(run).toMatchObject({ status: 'succeeded' });
    expect(log).toContain('SLIPWAY_IMAGE_VERSION=1.0.0');
    expect(log).not.toContain(ACCEPTANCE_TOKEN);
  }, 120_000);

  it('a daemon the build started in its own session is gone once the build is done', async () => {
    const { image, run, log } = await bake(
      server,
      'daemon',
      `setsid sh -c 'echo $$ > "$PWD/daemon.pid"; exec sleep 7782' >/dev/null 2>&1 &
       until [ -s daemon.pid ]; do sleep 0.05; done; node build.js`,
    );
    expect(run).toMatchObject({ status: 'succeeded' });
    const daemon = Number(
      readFileSync(join(server.dataDir, 'images', image.id, 'app', 'daemon.pid'), 'utf8'),
    );
    expect(isAlive(daemon)).toBe(false);
    expect(log).toMatch(/killed 1 process\(es\) the build left running/);
  }, 120_000);

  it('keeps its data directory and lmdb files private', async () => {
    const mode = async (path: string) => (await stat(path)).mode & 0o777;
    expect(await mode(server.dataDir)).toBe(0o700);
    expect(await mode(join(server.dataDir, 'db', 'data.mdb'))).toBe(0o600);
    expect(await mode(join(server.dataDir, 'db', 'lock.mdb'))).toBe(0o600);
  });
});
