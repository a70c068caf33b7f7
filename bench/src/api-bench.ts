import { join } from 'node:path';
import {
  createImage,
  getImage,
  helloImageSpec,
  requestBuild,
  waitForRun,
} from '@slipway/acceptance/support/image-api';
import { REPO_ROOT, SlipwayProcess, stopAllSlipways } from '@slipway/acceptance/support/slipway-process';
import { startChildServer } from './child-server';
import { type LoadShape, type Measurement, measure } from './measure';

export const API_RATIO_GOAL = 0.9;

export interface ApiBenchResult {
  route: string;
  shape: LoadShape;
  baseline: Measurement;
  /** Slipway as shipped (LOG_LEVEL=info: one pino line per request and per response). */
  slipway: Measurement;
  /** Slipway with LOG_LEVEL=warn, to show what request logging costs. */
  slipwayQuiet: Measurement;
  ratio: number;
  ratioQuiet: number;
  goal: number;
}

/** Starts Slipway on `dataDir`, or on a fresh dir with one built image; answers the server and the image id. */
async function startSlipway(logLevel: string, dataDir?: string): Promise<SlipwayProcess> {
  return SlipwayProcess.start({ ...(dataDir ? { dataDir } : {}), env: { LOG_LEVEL: logLevel } });
}

async function builtImage(server: SlipwayProcess): Promise<string> {
  const image = await createImage(server, 'bench-image', helloImageSpec());
  const run = await waitForRun(server, (await requestBuild(server, image.id)).id);
  if (run.status !== 'succeeded')
    throw new Error(`the bench image did not build: ${JSON.stringify(run)}\n${server.describe()}`);
  return image.id;
}

/**
 * GET /v1/images/{id} on a real Slipway process against a bare Fastify process answering the
 * same JSON, same load, measured in the same run so the ratio compares like with like.
 */
export async function runApiBench(shape: LoadShape): Promise<ApiBenchResult> {
  try {
    const slipway = await startSlipway('info');
    const imageId = await builtImage(slipway);
    const path = `/v1/images/${imageId}`;
    const body = await getImage(slipway, imageId);
    const headers = { authorization: `Bearer ${slipway.token}` };

    const bare = await startChildServer(
      join(REPO_ROOT, '.tmp/test-programs/bare-fastify-server.js'),
      { BENCH_BODY: JSON.stringify(body) },
      REPO_ROOT,
    );
    let baseline: Measurement;
    try {
      baseline = await measure(`${bare.url}${path}`, headers, shape);
    } finally {
      await bare.stop();
    }

    const measured = await measure(`${slipway.baseUrl}${path}`, headers, shape);
    await slipway.kill('SIGTERM');
    const quiet = await startSlipway('warn', slipway.dataDir);
    const measuredQuiet = await measure(`${quiet.baseUrl}${path}`, headers, shape);
    return {
      route: 'GET /v1/images/{id}',
      shape,
      baseline,
      slipway: measured,
      slipwayQuiet: measuredQuiet,
      ratio: measured.requestsPerSecond / baseline.requestsPerSecond,
      ratioQuiet: measuredQuiet.requestsPerSecond / baseline.requestsPerSecond,
      goal: API_RATIO_GOAL,
    };
  } finally {
    await stopAllSlipways();
  }
}
