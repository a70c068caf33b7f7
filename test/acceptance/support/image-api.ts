import { pollUntil } from './poll';
import { type ApiResponse, HELLO_APP, type JsonObject, type SlipwayProcess } from './slipway-process';

export interface ImageEntity {
  id: string;
  name: string;
  state: string;
  activeRunId: string | null;
  status: JsonObject;
  version: number;
}

export interface RunEntity {
  id: string;
  resourceId: string;
  status: 'queued' | 'running' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled';
  step: string | null;
  attempt: number;
  error: { code: string; message: string } | null;
}

export interface TransitionEntity {
  id: string;
  seq: number;
  resourceId: string;
  runId: string;
  from: string;
  to: string;
  event: string;
  outcome: string;
  attempt: number;
  outputs?: Record<string, unknown>;
}

interface TransitionPage {
  items: TransitionEntity[];
  nextCursor: string | null;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

export function helloImageSpec(overrides: JsonObject = {}): JsonObject {
  return {
    source: HELLO_APP,
    build: 'npm run build',
    start: 'node server.js',
    version: '1.0.0',
    ...overrides,
  };
}

/** Failures carry the server's answer and its log tail: an acceptance failure must explain itself. */
function unexpected(server: SlipwayProcess, what: string, status: number, text: string): Error {
  return new Error(`${what}: HTTP ${status} ${text}\n${server.describe()}`);
}

export async function createImage(
  server: SlipwayProcess,
  name: string,
  spec = helloImageSpec(),
): Promise<ImageEntity> {
  const response = await server.api<ImageEntity>('POST', '/v1/images', { name, spec });
  if (response.status !== 201)
    throw unexpected(server, `POST /v1/images ${name}`, response.status, response.text);
  return response.body;
}

export async function getImage(server: SlipwayProcess, id: string): Promise<ImageEntity> {
  const response = await server.api<ImageEntity>('GET', `/v1/images/${id}`);
  if (response.status !== 200)
    throw unexpected(server, `GET /v1/images/${id}`, response.status, response.text);
  return response.body;
}

export async function requestBuild(server: SlipwayProcess, imageId: string): Promise<RunEntity> {
  const response = await server.api<RunEntity>('POST', `/v1/images/${imageId}/runs`, { target: 'built' });
  if (response.status !== 202)
    throw unexpected(server, `POST /v1/images/${imageId}/runs`, response.status, response.text);
  return response.body;
}

export async function getRun(server: SlipwayProcess, runId: string): Promise<RunEntity> {
  const response = await server.api<RunEntity>('GET', `/v1/runs/${runId}`);
  if (response.status !== 200)
    throw unexpected(server, `GET /v1/runs/${runId}`, response.status, response.text);
  return response.body;
}

/** Polls until `accept` holds for the run; the limit bounds the wait and is no performance claim. */
export async function waitForRun(
  server: SlipwayProcess,
  runId: string,
  accept: (run: RunEntity) => boolean = (run) => TERMINAL.has(run.status),
  timeoutMs = 120_000,
): Promise<RunEntity> {
  let last: RunEntity | null = null;
  return pollUntil(
    `run ${runId} to reach the awaited status`,
    async () => {
      last = await getRun(server, runId);
      return accept(last) ? last : undefined;
    },
    {
      timeoutMs,
      intervalMs: 100,
      describe: () => `last seen: ${JSON.stringify(last)}\n${server.describe()}`,
    },
  );
}

/** Every transition of a resource, following nextCursor to the end. */
export async function transitionsOf(server: SlipwayProcess, resourceId: string): Promise<TransitionEntity[]> {
  const items: TransitionEntity[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `resourceId=${resourceId}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response: ApiResponse<TransitionPage> = await server.api<TransitionPage>(
      'GET',
      `/v1/transitions?${query}`,
    );
    if (response.status !== 200)
      throw unexpected(server, `GET /v1/transitions?${query}`, response.status, response.text);
    items.push(...response.body.items);
    cursor = response.body.nextCursor;
  } while (cursor);
  return items;
}
