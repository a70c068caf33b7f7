import type { Page, Resource, ResourceStore, Run, RunStore, Transition } from '@slipway/domain';
import { monotonicFactory } from 'ulid';

const ulid = monotonicFactory();

/** ULIDs, as the engine makes them: later ids sort after earlier ones. */
export function newId(): string {
  return ulid();
}

const EPOCH = Date.parse('2030-01-01T00:00:00.000Z');

/** A fixed instant `seconds` after the fixtures' epoch, written as the engine writes times. */
export function at(seconds: number): string {
  return new Date(EPOCH + seconds * 1000).toISOString();
}

export function aResource(overrides: Partial<Resource> = {}): Resource {
  const id = overrides.id ?? newId();
  return {
    id,
    kind: 'image',
    name: `name-${id.toLowerCase()}`,
    state: 'pending',
    version: 1,
    seq: 0,
    spec: { source: '/src', build: { command: 'make' } },
    status: {},
    labels: {},
    activeRunId: null,
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

export function aRun(resource: Resource, overrides: Partial<Run> = {}): Run {
  return {
    id: newId(),
    resourceId: resource.id,
    kind: resource.kind,
    target: 'built',
    action: null,
    status: 'queued',
    requestedBy: 'alice',
    reason: null,
    force: false,
    requestId: null,
    idempotencyKey: null,
    fromState: resource.state,
    step: null,
    attempt: 0,
    error: null,
    cancelRequestedBy: null,
    cancelReason: null,
    createdAt: at(1),
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    groups: { provider: 'local' },
    failingSince: null,
    ...overrides,
  };
}

/** The next transition the resource can take under the run. */
export function aTransition(resource: Resource, run: Run, overrides: Partial<Transition> = {}): Transition {
  const seq = resource.seq + 1;
  return {
    id: newId(),
    seq,
    resourceId: resource.id,
    kind: resource.kind,
    runId: run.id,
    from: resource.state,
    to: `step-${seq}`,
    event: 'NEXT',
    attempt: 1,
    startedAt: at(2),
    endedAt: at(3),
    durationMs: 1000,
    outcome: 'succeeded',
    error: null,
    outputs: { path: `/out/${seq}` },
    log: `line ${seq}`,
    actor: run.requestedBy,
    target: run.target,
    reason: run.reason,
    requestId: run.requestId,
    step: null,
    groups: run.groups,
    ...overrides,
  };
}

/** Creates a resource and starts a run on it; returns both as stored. */
export async function resourceWithRun(
  store: ResourceStore & RunStore,
  resourceOverrides: Partial<Resource> = {},
  runOverrides: Partial<Run> = {},
): Promise<{ resource: Resource; run: Run }> {
  const created = aResource(resourceOverrides);
  await store.createResource(created);
  const run = aRun(created, runOverrides);
  await store.startRun(run);
  return { resource: (await store.getResource(created.id))!, run };
}

/** Records each step as the next transition of the resource under `run`, in order. */
export async function recordSteps(
  store: ResourceStore & RunStore,
  resourceId: string,
  run: Run,
  steps: readonly Partial<Transition>[],
): Promise<Transition[]> {
  const recorded: Transition[] = [];
  for (const step of steps) {
    const resource = (await store.getResource(resourceId))!;
    const transition = aTransition(resource, run, step);
    await store.recordTransition({ transition });
    recorded.push(transition);
  }
  return recorded;
}

/** The audit order the store promises: endedAt, then id, compared as code units. */
export function byAuditOrder(a: Transition, b: Transition): number {
  if (a.endedAt !== b.endedAt) return a.endedAt < b.endedAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Follows `nextCursor` to the end; fails instead of looping forever on a cursor that never ends. */
export async function walkPages<T>(fetch: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    pages.push(page.items);
    cursor = page.nextCursor ?? undefined;
    if (pages.length > 1000) throw new Error('pagination did not end after 1000 pages');
  } while (cursor !== undefined);
  return pages;
}

/** Runs `count` calls at once and splits the outcomes. */
export async function race<T>(
  count: number,
  call: (index: number) => Promise<T>,
): Promise<{ won: { index: number; value: T }[]; lost: { index: number; reason: unknown }[] }> {
  const settled = await Promise.allSettled(Array.from({ length: count }, (_, index) => call(index)));
  const won: { index: number; value: T }[] = [];
  const lost: { index: number; reason: unknown }[] = [];
  settled.forEach((result, index) => {
    if (result.status === 'fulfilled') won.push({ index, value: result.value });
    else lost.push({ index, reason: result.reason });
  });
  return { won, lost };
}
