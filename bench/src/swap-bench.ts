import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@slipway/acceptance/support/cluster-api';
import { killProcessesWithin } from '@slipway/acceptance/support/process-table';
import { REPO_ROOT } from '@slipway/acceptance/support/slipway-process';
import { createSlipway, loadConfig, type Slipway } from '@slipway/api';
import { clusterKind, type KindProvider, KindRegistry, type Run, type Transition } from '@slipway/domain';

const TOKEN = 'bench-admin-token-0123456789';
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

export interface Distribution {
  count: number;
  meanMs: number;
  p50Ms: number;
  maxMs: number;
}

export interface SwapBenchResult {
  swaps: number;
  /** From sending the promote request to the balancer answering with the new version. */
  promoteToServing: Distribution;
  /** Per provider step: the transition's duration minus the time spent inside the provider. */
  stepOverhead: Distribution;
  /** Transitions with no provider call (a request edge, a displacement): all platform. */
  bookkeepingTransition: Distribution;
  /** Provider time of the promote step, for scale. */
  promoteProvider: Distribution;
}

function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((x, y) => x - y);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(sorted.length, 1);
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    count: sorted.length,
    meanMs: round(mean),
    p50Ms: round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    maxMs: round(sorted.at(-1) ?? 0),
  };
}

/** Times every provider call, keyed the way transitions can be matched: run, step, attempt. */
function providerTimer() {
  const spent = new Map<string, number>();
  const instrument = (_kind: string, provider: KindProvider): KindProvider => ({
    ...provider,
    steps: Object.fromEntries(
      Object.entries(provider.steps).map(([step, handler]) => [
        step,
        async (context) => {
          const started = performance.now();
          try {
            return await handler(context);
          } finally {
            spent.set(`${context.run.id}:${step}:${context.attempt}`, performance.now() - started);
          }
        },
      ]),
    ),
  });
  return { spent, instrument };
}

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 2));
  }
}

async function finished(base: string, runId: string): Promise<Run> {
  return until(`run ${runId}`, async () => {
    const run = await api<Run>(base, 'GET', `/v1/runs/${runId}`);
    return TERMINAL.has(run.status) ? run : undefined;
  });
}

async function move(base: string, id: string, body: Record<string, unknown>): Promise<Run> {
  const run = await api<Run>(base, 'POST', `/v1/clusters/${id}/runs`, body);
  const ended = await finished(base, run.id);
  if (ended.status !== 'succeeded')
    throw new Error(`run ${run.id} ${ended.status}: ${JSON.stringify(ended.error)}`);
  return ended;
}

async function versionAt(url: string): Promise<string | undefined> {
  const response = await fetch(url);
  return ((await response.json()) as { version?: string }).version;
}

/**
 * Slipway in-process on its embedded default with the real local providers (each provider call
 * timed), driven over HTTP: two clusters of one service swapped back and forth `swaps` times.
 */
export async function runSwapBench(swaps: number): Promise<SwapBenchResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-bench-swap-'));
  const timer = providerTimer();
  let slipway: Slipway | null = null;
  const clusters: string[] = [];
  let base = '';
  try {
    const config = loadConfig(
      { SLIPWAY_DATA_DIR: dataDir, SLIPWAY_ADMIN_TOKEN: TOKEN, PORT: '0', LOG_LEVEL: 'warn' },
      REPO_ROOT,
    );
    slipway = await createSlipway(config, { cwd: REPO_ROOT, instrument: timer.instrument });
    base = await slipway.app.listen({ host: '127.0.0.1', port: 0 });
    const image = async (name: string, version: string) => {
      const created = await api<{ id: string }>(base, 'POST', '/v1/images', {
        name,
        spec: { source: 'examples/hello-app', build: 'npm run build', start: 'node server.js', version },
      });
      await finished(
        base,
        (await api<Run>(base, 'POST', `/v1/images/${created.id}/runs`, { target: 'built' })).id,
      );
      return created.id;
    };
    const versions = ['1.0.0', '2.0.0'];
    const images = [await image('bench-v1', versions[0]!), await image('bench-v2', versions[1]!)];
    const port = await freePort();
    for (const [index, imageId] of images.entries()) {
      const created = await api<{ id: string }>(base, 'POST', '/v1/clusters', {
        name: `bench-${index}`,
        spec: { service: 'bench', image: imageId, size: 2, provider: { balancerPort: port } },
      });
      clusters.push(created.id);
      await move(base, created.id, { target: index === 0 ? 'live' : 'ready' });
    }
    const balancer = `http://127.0.0.1:${port}/`;
    const promoteToServing: number[] = [];
    const runs: Run[] = [];
    for (let swap = 0; swap < swaps; swap += 1) {
      const next = (swap + 1) % 2;
      const started = performance.now();
      const run = await api<Run>(base, 'POST', `/v1/clusters/${clusters[next]}/runs`, { target: 'live' });
      await until('the balancer to serve the promoted version', async () =>
        (await versionAt(balancer)) === versions[next] ? true : undefined,
      );
      promoteToServing.push(performance.now() - started);
      runs.push(await finished(base, run.id));
    }
    const overhead: number[] = [];
    const bookkeeping: number[] = [];
    const promoteProvider: number[] = [];
    const transitions: Transition[] = [];
    let cursor: string | null = null;
    do {
      const query = `kind=cluster&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: { items: Transition[]; nextCursor: string | null } = await api(
        base,
        'GET',
        `/v1/transitions?${query}`,
      );
      transitions.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    for (const transition of transitions) {
      const step = stepOf(transition.from);
      const provider = step
        ? timer.spent.get(`${transition.runId}:${step}:${transition.attempt}`)
        : undefined;
      if (provider !== undefined && transition.outcome !== 'requested') {
        overhead.push(transition.durationMs - provider);
        if (step === 'promote') promoteProvider.push(provider);
      } else if (transition.from !== transition.to) {
        bookkeeping.push(transition.durationMs);
      }
    }
    return {
      swaps,
      promoteToServing: distribution(promoteToServing),
      stepOverhead: distribution(overhead),
      bookkeepingTransition: distribution(bookkeeping),
      promoteProvider: distribution(promoteProvider),
    };
  } finally {
    if (slipway && base) {
      for (const id of clusters) {
        await move(base, id, { target: 'destroyed', force: true, reason: 'bench done' }).catch(
          () => undefined,
        );
      }
    }
    await slipway?.close();
    // Balancers outlive the API by design, and destroy leaves them up; the bench's own must go.
    await killProcessesWithin(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  }
}

const clusterGraph = new KindRegistry([clusterKind]).get('cluster').graph;

/** The provider step a transition out of `state` finished, if it is a working state. */
function stepOf(state: string): string | undefined {
  return clusterGraph.states.find((candidate) => candidate.name === state)?.step ?? undefined;
}
