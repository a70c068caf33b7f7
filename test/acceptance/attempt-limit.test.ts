import { afterEach, describe, expect, it } from 'vitest';
import {
  createImage,
  getImage,
  helloImageSpec,
  type RunEntity,
  transitionsOf,
  waitForRun,
} from './support/image-api';
import { pollUntil } from './support/poll';
import { type ExitInfo, SlipwayProcess, stopAllSlipways } from './support/slipway-process';

afterEach(async () => {
  await stopAllSlipways();
});

// The server kills itself with SIGKILL as every build step starts: a crash at each restart, as
// with a step that takes its process down every time it runs.
const CRASHING = { NODE_ENV: 'test', SLIPWAY_FAULT: 'step:image.build', SLIPWAY_MAX_ATTEMPTS: '2' };

/**
 * Starts the server on `dataDir` and waits for the fault to kill it. The resumed walk may reach
 * the step before or after the server reports ready, so both count; surviving does not.
 */
async function startUntilFault(dataDir: string): Promise<ExitInfo> {
  let server: SlipwayProcess;
  try {
    server = await SlipwayProcess.start({ dataDir, env: CRASHING });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    expect(message).toContain('exited {"code":null,"signal":"SIGKILL"} before it was ready');
    return { code: null, signal: 'SIGKILL' };
  }
  return pollUntil('the server to die at the build step', async () => server.exit ?? undefined, {
    timeoutMs: 60_000,
    describe: () => server.describe(),
  });
}

describe('attempt limit: a step that crashes the inline executor at every start', () => {
  it('fails the run with attempts_exhausted once the limit is reached, with one record per state change', async () => {
    const first = await SlipwayProcess.start({ env: CRASHING });
    const image = await createImage(first, 'crash-every-time', helloImageSpec());
    // The server may die before it answers: the run is found from the image's records then.
    const posted = await first
      .api<RunEntity>('POST', `/v1/images/${image.id}/runs`, { target: 'built' })
      .catch(() => null);
    const exit = await pollUntil(
      'the first server to die at the build step',
      async () => first.exit ?? undefined,
      {
        describe: () => first.describe(),
      },
    );
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });

    // Attempt 2 dies too.
    expect(await startUntilFault(first.dataDir)).toEqual({ code: null, signal: 'SIGKILL' });

    // The third start finds attempt 2 of 2 used up: the run fails instead of crashing the server again.
    const third = await SlipwayProcess.start({ dataDir: first.dataDir, env: CRASHING });
    const transitionsSoFar = await transitionsOf(third, image.id);
    const runId = posted?.status === 202 ? posted.body.id : transitionsSoFar[0]!.runId;
    const ended = await waitForRun(third, runId);
    expect(ended, third.describe()).toMatchObject({
      status: 'failed',
      step: 'build',
      attempt: 2,
      error: { code: 'attempts_exhausted' },
    });
    expect(ended.error?.message).toMatch(/"build" was started 2 times .*limit is 2/);
    expect(third.exit, 'the server must survive the exhausted step').toBeNull();

    expect(await getImage(third, image.id)).toMatchObject({ state: 'failed', activeRunId: null });
    const transitions = await transitionsOf(third, image.id);
    expect(
      transitions.map((t) => `${t.seq}:${t.from}>${t.to}:${t.event}:${t.outcome}:${t.attempt}:${t.runId}`),
    ).toEqual([
      `1:pending>building:BUILD:requested:1:${runId}`,
      `2:building>failed:FAILURE:failed:2:${runId}`,
    ]);
    const failure = await third.api<{ items: { error: { code: string } | null }[] }>(
      'GET',
      `/v1/transitions?resourceId=${image.id}&outcome=failed`,
    );
    expect(failure.body.items.map((t) => t.error?.code)).toEqual(['attempts_exhausted']);
  }, 240_000);
});
