// `npm run data [-- --days N --dir PATH]`: a realistic audit history through the real engine (kinds,
// walker, service, lmdb store), so the README walkthrough, /analytics and the benchmark have
// something real to show. Providers are simulated: each step takes a random, plausible time on a
// simulated clock (no processes are started) and sometimes fails; everything else is Slipway's own.
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  assembleEngine,
  bindKind,
  clusterKind,
  type Executor,
  failed,
  imageKind,
  type Principal,
  type ProviderFor,
  type Resource,
  type ResourceService,
  succeeded,
} from '@slipway/domain';
import { LmdbStore } from '@slipway/persistence';
import { monotonicFactory } from 'ulid';

const { values } = parseArgs({
  options: { days: { type: 'string', default: '28' }, dir: { type: 'string', default: '.slipway-sample' } },
});
const days = Number(values.days);
if (!Number.isInteger(days) || days < 1) throw new Error('--days must be a positive integer');
const dataDir = resolve(values.dir ?? '.slipway-sample');

/** mulberry32, seeded: the same command always writes the same history. */
let seed = 20300101;
function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
/** Log-normal around `median` ms: most steps near it, a long tail of slow ones. */
function duration(median: number): number {
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.max(50, Math.round(median * Math.exp(0.45 * normal)));
}

let now = Date.parse('2030-01-01T08:00:00.000Z') - days * 86_400_000;
const clock = { now: () => new Date(now) };
const advance = (ms: number) => {
  now += ms;
};
const step =
  (median: number, failRate: number, code: Parameters<typeof failed>[0], what: string) => async () => {
    advance(duration(median));
    return random() < failRate ? failed(code, `${what} failed (simulated)`) : succeeded();
  };

const images: ProviderFor<typeof imageKind> = {
  backend: 'local',
  steps: {
    build: step(95_000, 0.07, 'build_failed', 'build'),
    destroy: step(2_000, 0, 'destroy_failed', 'destroy'),
  },
};
const clusters: ProviderFor<typeof clusterKind> = {
  backend: 'local',
  steps: {
    launch: step(40_000, 0.06, 'launch_failed', 'launch'),
    verify: step(8_000, 0.04, 'verification_failed', 'verify'),
    promote: step(3_000, 0.02, 'balancer_swap_failed', 'promote'),
    destroy: step(5_000, 0, 'launch_failed', 'destroy'),
  },
};

await rm(dataDir, { recursive: true, force: true });
const store = await LmdbStore.open({ path: join(dataDir, 'db') });
const id = monotonicFactory();
const engine = assembleEngine({
  store,
  bindings: [bindKind(imageKind, images), bindKind(clusterKind, clusters)],
  newId: () => id(now),
  clock,
});
/** Walks each run as it is submitted, in this process, on the simulated clock. */
const submitted: string[] = [];
const executor: Executor = {
  ensureAccepting: async () => {},
  submit: async (runId) => {
    submitted.push(runId);
  },
  abort: () => {},
  recover: async () => 0,
  idle: async () => {},
  close: async () => {},
};
const service: ResourceService = engine.service(executor);
const people: Principal[] = ['ana', 'bo', 'chen', 'dee', 'deploy-bot'].map((name) => ({
  id: name,
  permissions: ['admin'],
}));
const who = () => people[Math.floor(random() * people.length)]!;

async function run(
  kind: 'image' | 'cluster',
  resource: Resource,
  target: string,
  reason?: string,
): Promise<string> {
  const requested = await service.requestRun(
    kind,
    resource.id,
    { target, ...(reason ? { reason } : {}) },
    who(),
    {
      requestId: `req-${id(now)}`,
    },
  );
  for (let runId = submitted.shift(); runId; runId = submitted.shift())
    await engine.walker.walk(runId, new AbortController().signal);
  const ended = await store.getRun(requested.id);
  return ended?.status ?? 'unknown';
}

const SERVICES = ['web-production', 'api-production', 'billing', 'search'];
/** Per service: clusters still up, newest last. */
const fleet = new Map<string, Resource[]>(SERVICES.map((name) => [name, []]));
let counter = 0;
const end = now + days * 86_400_000;
while (now < end) {
  const serviceName = SERVICES[Math.floor(random() * SERVICES.length)]!;
  const version = `1.${Math.floor(counter / 10)}.${counter % 10}`;
  counter++;
  const image = await service.create(
    'image',
    {
      name: `${serviceName}-${version}`,
      spec: { source: '/srv/apps/hello', build: 'npm ci && npm run build' },
    },
    who(),
  );
  let baked = await run('image', image, 'built');
  if (baked !== 'succeeded') {
    // Someone looks at the build log and tries again: the gap is the bake's time to recovery.
    advance(duration(600_000));
    baked = await run('image', (await store.getResource(image.id))!, 'built', 'retry after a failed bake');
  }
  if (baked !== 'succeeded') continue;
  const cluster = await service.create(
    'cluster',
    {
      name: `${serviceName}-${counter}`,
      spec: { service: serviceName, image: image.id, size: 1 + (counter % 3) },
    },
    who(),
  );
  const up = fleet.get(serviceName)!;
  // One run from pending to live: launch, verify, promote; its duration is the deploy time.
  if ((await run('cluster', cluster, 'live')) === 'succeeded') {
    up.push(cluster);
    // Now and then the new version misbehaves in production: swap back to the previous cluster.
    const previous = up.at(-2);
    if (previous && random() < 0.08) {
      advance(duration(900_000));
      await run(
        'cluster',
        (await store.getResource(previous.id))!,
        'live',
        'swap back: error rate up after deploy',
      );
    }
  } else {
    await run(
      'cluster',
      (await store.getResource(cluster.id))!,
      'destroyed',
      'launch or promotion failed; cleaning up',
    );
  }
  // Keep two clusters per service; destroy the oldest standby.
  while (up.length > 2) {
    const oldest = (await store.getResource(up[0]!.id))!;
    if (oldest.state === 'live') break;
    up.shift();
    await run('cluster', oldest, 'destroyed', `retired: superseded by ${serviceName} ${version}`);
  }
  advance(duration((days * 86_400_000) / 900));
}
const runs = await store.listRuns({ limit: 1 });
let total = 0;
for (let cursor: string | undefined, page = runs; ; ) {
  page = await store.listRuns({ limit: 500, cursor });
  total += page.items.length;
  if (!page.nextCursor) break;
  cursor = page.nextCursor;
}
await store.close();
console.log(
  `sample history: ${total} runs over ${days} days in ${dataDir} (SLIPWAY_DATA_DIR=${dataDir} npm start)`,
);
