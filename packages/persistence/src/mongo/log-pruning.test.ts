import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describeWithService, findMongo, uniqueDatabaseName } from '@slipway/acceptance/support/services';
import type { Transition } from '@slipway/domain';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { aRun, at, resourceWithRun } from '../../testing/fixtures';
import { applyLogOp, type LogOp } from '../../testing/mongo/log-ops';
import type { LogWriterPlan } from '../../testing/mongo/log-writer-plan';
import type { ChangeDocument } from './change-document';
import { readChange, readHead } from './change-log';
import { FAULT_EXIT_CODE, type FaultPoint } from './fault-point';
import { KEEP_APPLIED, PRUNE_EVERY } from './log-pruning';
import { collectionsOf, type MongoCollections } from './mongo-collections';
import { MongoStore } from './mongo-store';
import { advanceProjections } from './projections';
import { toRunDocument } from './run-mapper';

const mongo = await findMongo();
const FILE_DATABASE = uniqueDatabaseName('mongo_pruning');
const ROOT = resolve(import.meta.dirname, '../../../..');
const WRITER = join(import.meta.dirname, '../../testing/mongo/log-writer.ts');
/** Tests that start tsx child processes and make a hundred writes or more: FerretDB on a busy 2-core machine is slow. */
const PROCESS_TESTS_MS = 120_000;
const END = { status: 'succeeded' as const, error: null, finishedAt: at(9), durationMs: 8000 };

/** Positions from..to, both included. */
function positions(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Every `every`-th write a transition, the others steps of the run. */
function mixedOps(count: number, every: number): LogOp[] {
  return Array.from({ length: count }, (_, i) => (i % every === every - 1 ? 'transition' : 'update'));
}

describeWithService('MongoStore change log pruning', mongo, (url) => {
  let databases = 0;
  const opened: string[] = [];
  const stores: MongoStore[] = [];
  const children: ChildProcess[] = [];
  let admin: MongoClient | null = null;

  function freshDatabase(): string {
    const name = `${FILE_DATABASE}_${++databases}`;
    opened.push(name);
    return name;
  }

  async function raw(dbName: string): Promise<MongoCollections> {
    admin ??= await new MongoClient(url).connect();
    return collectionsOf(admin.db(dbName));
  }

  async function open(dbName: string): Promise<MongoStore> {
    const store = await MongoStore.open({ url, dbName });
    stores.push(store);
    return store;
  }

  afterEach(async () => {
    // A writer still running (its test failed) must not outlive the test.
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(stores.splice(0).map((store) => store.close()));
    admin ??= await new MongoClient(url).connect();
    const client = admin;
    await Promise.all(opened.splice(0).map((name) => client.db(name).dropDatabase()));
  });

  afterAll(async () => {
    await admin?.close();
  });

  /** The positions the resource's log holds, oldest first. */
  async function logOf(collections: MongoCollections, resourceId: string): Promise<number[]> {
    const held = await collections.changes.find({ resourceId }, { projection: { pos: 1 } }).toArray();
    return held.map((change) => change.pos).sort((a, b) => a - b);
  }

  /** What a slow writer of `change` does when its projection writes land after everyone else's. */
  async function setBack(collections: MongoCollections, change: ChangeDocument): Promise<void> {
    if (change.run) {
      const { _id, ...run } = change.run;
      await collections.runs.replaceOne({ _id }, run);
    }
    const { _id, ...resource } = change.resource;
    await collections.resources.replaceOne({ _id }, resource);
  }

  /** Starts a log-writer process; `exited` settles when it ends, however it ends. */
  function startWriter(dbName: string, plan: LogWriterPlan) {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, url, dbName, JSON.stringify(plan)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let written = 0;
    const waiting: { count: number; resolve: () => void }[] = [];
    let ready: () => void = () => {};
    const isReady = new Promise<void>((resolve) => {
      ready = resolve;
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if ((JSON.parse(line) as { ready?: true }).ready) return ready();
      written++;
      for (const wait of waiting.filter((w) => w.count <= written)) wait.resolve();
    });
    const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stderr }));
    return {
      child,
      exited,
      /** With `startOnGo`: resolves once the writer's store is open; `go` lets it write. */
      ready: () => Promise.race([isReady, exited.then(({ stderr: err }) => Promise.reject(new Error(err)))]),
      go: () => child.stdin.end('go\n'),
      written: () => written,
      /** Resolves once the writer has made `count` writes (or rejects if it ends first). */
      reached: (count: number) =>
        Promise.race([
          new Promise<void>((resolve) => waiting.push({ count, resolve })),
          exited.then(({ code }) => {
            if (written < count)
              throw new Error(`writer exited with ${code} after ${written} writes:\n${stderr}`);
          }),
        ]),
    };
  }

  /** Runs a log-writer process to its end, or to the fault point its plan names. */
  async function runWriter(
    dbName: string,
    plan: LogWriterPlan,
  ): Promise<{ code: number | null; stderr: string }> {
    return startWriter(dbName, plan).exited;
  }

  /**
   * What must hold of a resource whatever its writers did: a bounded log without holes up to the
   * head, the resource document at the head, and one audit record per seq.
   */
  async function expectConsistent(store: MongoStore, collections: MongoCollections, resourceId: string) {
    const head = (await readHead(collections, resourceId))!;
    const log = await logOf(collections, resourceId);
    expect(log.length).toBeLessThanOrEqual(PRUNE_EVERY + KEEP_APPLIED);
    expect(log).toEqual(positions(log[0]!, head.pos));
    expect(head.projectedPos).toBe(head.pos);
    const resource = (await store.getResource(resourceId))!;
    const listed = (await store.listTransitions({ resourceId, limit: 200 })).items;
    expect(listed.map((transition) => transition.seq).sort((a, b) => a - b)).toEqual(
      positions(1, resource.seq),
    );
    expect(await store.reconcile()).toEqual({ resources: 0 });
    return resource;
  }

  it(
    'keeps the change log bounded however many writes a resource takes, and every read whole',
    async () => {
      const dbName = freshDatabase();
      const store = await open(dbName);
      const collections = await raw(dbName);
      const { resource, run } = await resourceWithRun(store, {}, { status: 'running' });
      const ops = mixedOps(100, 10);
      const transitions: Transition[] = [];
      let longest = 0;
      for (const [i, op] of ops.entries()) {
        const transition = await applyLogOp(store, resource.id, run.id, op, `w-${i}`);
        if (transition) transitions.push(transition);
        longest = Math.max(longest, (await logOf(collections, resource.id)).length);
      }

      // The start and 100 writes: positions 1..101, last pruned at 96 down to 96 - KEEP_APPLIED.
      expect(longest).toBeLessThanOrEqual(PRUNE_EVERY + KEEP_APPLIED);
      expect(await logOf(collections, resource.id)).toEqual(positions(96 - KEEP_APPLIED, 101));
      expect(await readHead(collections, resource.id)).toMatchObject({ pos: 101, projectedPos: 101 });
      expect(await store.getResource(resource.id)).toMatchObject({
        seq: 10,
        state: 'state-w-99',
        version: resource.version + 10,
        activeRunId: run.id,
      });
      expect(await store.getRun(run.id)).toMatchObject({ status: 'running', step: 'w-98' });
      expect((await store.listTransitions({ resourceId: resource.id, limit: 50 })).items).toEqual(
        transitions,
      );
      expect(await store.reconcile()).toEqual({ resources: 0 });
    },
    PROCESS_TESTS_MS,
  );

  it('records a run before pruning its finish, so a slow writer that sets the run back cannot hide its end', async () => {
    const dbName = freshDatabase();
    const store = await open(dbName);
    const collections = await raw(dbName);
    const { resource, run } = await resourceWithRun(store, {}, { status: 'running' });
    await store.updateRun(run.id, ['running'], { step: 'only' });
    const running = (await readChange(collections, resource.id, 2))!;
    const finished = (await store.finishRun(run.id, ['running'], END))!;
    let current = (await store.getResource(resource.id))!;
    for (let i = 0; i < PRUNE_EVERY; i++) {
      current = await store.patchResource(
        resource.id,
        current.version,
        { labels: { n: `${i}` } },
        at(10 + i),
      );
    }
    expect(await readChange(collections, resource.id, 3)).toBeNull();
    expect(await collections.finishedRuns.findOne({ _id: run.id })).toEqual(toRunDocument(finished, 3));

    await setBack(collections, running);
    expect(await store.getRun(run.id)).toEqual(finished);
    await expect(store.updateRun(run.id, ['running'], { step: 'late' })).resolves.toBeNull();
    await expect(store.finishRun(run.id, ['running'], END)).resolves.toBeNull();
  });

  it('reads and writes at the head when a slow writer sets the projections back below the pruned part, and that writer repairs them', async () => {
    const dbName = freshDatabase();
    const store = await open(dbName);
    const collections = await raw(dbName);
    const { resource, run: first } = await resourceWithRun(store, {}, { status: 'running' });
    await store.updateRun(first.id, ['running'], { step: 'early' });
    const early = (await readChange(collections, resource.id, 2))!;
    await store.finishRun(first.id, ['running'], END);
    const second = aRun((await store.getResource(resource.id))!, { status: 'running' });
    await store.startRun(second);
    for (let i = 0; i < 2 * PRUNE_EVERY; i++) {
      await store.updateRun(second.id, ['running'], { step: `s-${i}` });
    }
    // Positions 1..68; pruned at 32 and 64, below 64 - KEEP_APPLIED.
    expect(await logOf(collections, resource.id)).toEqual(positions(64 - KEEP_APPLIED, 68));
    const head = (await store.getResource(resource.id))!;
    const secondNow = (await store.getRun(second.id))!;

    // A reader finds the projection at position 2, whose successors are gone: it reads on from the
    // oldest change kept and brings the projection back up on its way.
    await setBack(collections, early);
    expect(await store.getResource(resource.id)).toEqual(head);
    expect((await store.listResources({ kind: 'image', limit: 5 })).items).toEqual([head]);

    // A writer decides on the head too, and appends after it rather than into the gap.
    await setBack(collections, early);
    const patched = await store.patchResource(
      resource.id,
      head.version,
      { labels: { after: 'gap' } },
      at(99),
    );
    expect(patched.version).toBe(head.version + 1);
    expect(await readChange(collections, resource.id, 3)).toBeNull();
    expect(await readHead(collections, resource.id)).toMatchObject({ pos: 69, projectedPos: 69 });

    // The slow writer itself goes on from its change, past the gap, and puts back the runs it set
    // back: the first run as pruning recorded its finish, the second as the log has it.
    await setBack(collections, early);
    expect((await store.listUnfinishedRuns()).map((r) => r.id)).toEqual([first.id, second.id]);
    await advanceProjections(collections, resource.id, 2, early);
    expect((await store.listUnfinishedRuns()).map((r) => r.id)).toEqual([second.id]);
    expect(await store.listUnfinishedRuns()).toEqual([secondNow]);
    expect((await store.listResources({ kind: 'image', limit: 5 })).items).toEqual([patched]);
    expect(await store.getRun(first.id)).toMatchObject({ status: 'succeeded', step: 'early' });
  });

  it(
    'prunes a change that a writer killed after its append left unprojected only once it is projected',
    async () => {
      const dbName = freshDatabase();
      const store = await open(dbName);
      const collections = await raw(dbName);
      const { resource, run } = await resourceWithRun(store, {}, { status: 'running' });
      // Positions 2..59 steps, 60 a transition, and the writer dies right after appending it.
      const ops: LogOp[] = [...mixedOps(58, 100), 'transition'];
      const plan = {
        resourceId: resource.id,
        runId: run.id,
        ops,
        label: 'child',
        fault: 'mongo:after-append' as const,
      };
      const { code, stderr } = await runWriter(dbName, plan);
      expect(code, stderr).toBe(FAULT_EXIT_CODE);
      expect(await readHead(collections, resource.id)).toMatchObject({ pos: 60, projectedPos: 59 });
      expect((await store.listTransitions({ resourceId: resource.id, limit: 5 })).items).toEqual([]);

      // This store was open before the crash, so no sweep ran: its next write projects 60 before
      // appending after it, and the prunes at 64 and 96 then remove it from the log.
      for (let i = 0; i < 36; i++) await applyLogOp(store, resource.id, run.id, 'update', `after-${i}`);
      expect(await logOf(collections, resource.id)).toEqual(positions(96 - KEEP_APPLIED, 96));
      const listed = (await store.listTransitions({ resourceId: resource.id, limit: 5 })).items;
      expect(listed.map((transition) => transition.to)).toEqual(['state-child-58']);
      expect(await store.getResource(resource.id)).toMatchObject({ seq: 1, state: 'state-child-58' });
      expect(await store.getRun(run.id)).toMatchObject({ step: 'after-35' });
    },
    PROCESS_TESTS_MS,
  );

  it(
    'keeps one resource consistent, and its log bounded, under two writer processes that prune as they race',
    async () => {
      const dbName = freshDatabase();
      const store = await open(dbName);
      const collections = await raw(dbName);
      const { resource, run } = await resourceWithRun(store, {}, { status: 'running' });
      const ops = mixedOps(64, 4);
      const writers = ['a', 'b'].map((label) =>
        startWriter(dbName, { resourceId: resource.id, runId: run.id, ops, label, startOnGo: true }),
      );
      await Promise.all(writers.map((writer) => writer.ready()));
      for (const writer of writers) writer.go();
      for (const { code, stderr } of await Promise.all(writers.map((writer) => writer.exited))) {
        expect(code, stderr).toBe(0);
      }
      // Both writers are done, so the projections equal the log: every step and transition in it.
      expect(await expectConsistent(store, collections, resource.id)).toMatchObject({ seq: 32 });
      expect(await readHead(collections, resource.id)).toMatchObject({ pos: 1 + 2 * ops.length });
      expect(await store.listUnfinishedRuns()).toEqual([await store.getRun(run.id)]);
    },
    PROCESS_TESTS_MS,
  );

  it(
    'keeps one resource consistent when one of its two writer processes is killed with SIGKILL mid-way',
    async () => {
      const dbName = freshDatabase();
      const store = await open(dbName);
      const collections = await raw(dbName);
      const { resource, run } = await resourceWithRun(store, {}, { status: 'running' });
      const ops = mixedOps(64, 4);
      const writers = ['a', 'b'].map((label) =>
        startWriter(dbName, { resourceId: resource.id, runId: run.id, ops, label, startOnGo: true }),
      );
      await Promise.all(writers.map((writer) => writer.ready()));
      for (const writer of writers) writer.go();
      const [killed, survivor] = writers;
      await killed!.reached(40);
      killed!.child.kill('SIGKILL');
      expect((await killed!.exited).code).toBeNull();
      const { code, stderr } = await survivor!.exited;
      expect(code, stderr).toBe(0);

      const reopened = await open(dbName);
      const after = await expectConsistent(reopened, collections, resource.id);
      expect(after.seq).toBeGreaterThanOrEqual(16 + 10);
      expect(await reopened.getRun(run.id)).toMatchObject({ status: 'running' });
      expect((await store.listUnfinishedRuns()).map((r) => r.id)).toEqual([run.id]);
    },
    PROCESS_TESTS_MS,
  );

  // The write at 64 prunes 24..55 (32 already pruned below 24): the first half of them, or all but the hint.
  describe.each<{ fault: FaultPoint; left: number[]; hint: number }>([
    { fault: 'mongo:prune-mid-delete', left: positions(40, 64), hint: 24 },
    { fault: 'mongo:prune-before-hint', left: positions(56, 64), hint: 24 },
  ])('with the pruning writer killed at $fault', ({ fault, left, hint }) => {
    it(
      'loses nothing, and the next prune finishes the job',
      async () => {
        const dbName = freshDatabase();
        const setup = await open(dbName);
        const collections = await raw(dbName);
        const { resource, run } = await resourceWithRun(setup, {}, { status: 'running' });
        // Positions 2..64; the write at 64 prunes, after projecting, and the writer dies in it.
        const ops = mixedOps(63, 8);
        const { code, stderr } = await runWriter(dbName, {
          resourceId: resource.id,
          runId: run.id,
          ops,
          label: 'child',
          fault,
        });
        expect(code, stderr).toBe(FAULT_EXIT_CODE);
        expect(await logOf(collections, resource.id)).toEqual(left);
        expect(await collections.prunedLogs.findOne({ _id: resource.id })).toEqual({
          _id: resource.id,
          below: hint,
        });

        const store = await open(dbName);
        const states = ops.flatMap((op, i) => (op === 'transition' ? [`state-child-${i}`] : []));
        const listed = async () =>
          (await store.listTransitions({ resourceId: resource.id, limit: 50 })).items.map((t) => t.to);
        expect(await listed()).toEqual(states);
        expect(await store.getResource(resource.id)).toMatchObject({
          seq: states.length,
          state: states.at(-1),
        });
        expect(await store.getRun(run.id)).toMatchObject({ step: 'child-62' });

        for (let i = 0; i < PRUNE_EVERY; i++)
          await applyLogOp(store, resource.id, run.id, 'update', `after-${i}`);
        expect(await logOf(collections, resource.id)).toEqual(positions(96 - KEEP_APPLIED, 96));
        expect(await listed()).toEqual(states);
        expect(await store.getRun(run.id)).toMatchObject({ step: `after-${PRUNE_EVERY - 1}` });
      },
      PROCESS_TESTS_MS,
    );
  });
});
