import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createImage,
  getImage,
  getRun,
  helloImageSpec,
  requestBuild,
  type TransitionEntity,
  transitionsOf,
  waitForRun,
} from './support/image-api';
import { pollUntil } from './support/poll';
import { killProcessesWithin, type ProcessInfo, processesWithin } from './support/process-table';
import { SlipwayProcess, stopAllSlipways } from './support/slipway-process';

const dataDirs: string[] = [];

afterEach(async () => {
  await stopAllSlipways();
  // A build the killed server left behind must not outlive its test (the data dir is already gone).
  for (const dir of dataDirs.splice(0)) await killProcessesWithin(dir);
});

/** Starts a server and remembers its data dir so leftover builds are reaped even if the test fails. */
async function startServer(dataDir?: string): Promise<SlipwayProcess> {
  const server = await SlipwayProcess.start(dataDir ? { dataDir } : {});
  if (!dataDirs.includes(server.dataDir)) dataDirs.push(server.dataDir);
  return server;
}

/** Waits until the provider really runs the build: a process working inside the data dir. */
async function buildProcesses(server: SlipwayProcess, exclude: number[] = []): Promise<ProcessInfo[]> {
  return pollUntil(
    'a build process inside the data dir',
    async () => {
      const found = (await processesWithin(server.dataDir)).filter((info) => !exclude.includes(info.pid));
      return found.some((info) => info.command.includes('sleep')) ? found : undefined;
    },
    { timeoutMs: 60_000, describe: () => server.describe() },
  );
}

async function startSlowBuild(server: SlipwayProcess, name: string, build: string) {
  const image = await createImage(server, name, helloImageSpec({ build, version: '2.0.0' }));
  const run = await requestBuild(server, image.id);
  await waitForRun(server, run.id, (seen) => seen.step === 'build' && seen.status === 'running');
  const builders = await buildProcesses(server);
  return { image, run, builders };
}

function alive(pids: number[]): number[] {
  return pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}

/** Exactly one record per state change: seq 1..n, each starting where the previous one ended. */
function expectOneRecordPerStateChange(
  transitions: TransitionEntity[],
  initial: string,
  finalState: string,
): void {
  expect(transitions.map((t) => t.seq)).toEqual(transitions.map((_, index) => index + 1));
  expect(new Set(transitions.map((t) => t.id)).size).toBe(transitions.length);
  transitions.forEach((t, index) => {
    expect(t.from).toBe(index === 0 ? initial : transitions[index - 1]!.to);
  });
  expect(transitions.at(-1)?.to).toBe(finalState);
}

describe('crash recovery: kill -9 during a build', () => {
  it('resumes the build after a restart: one run, attempt 2, one transition per state change, files on disk', async () => {
    const first = await startServer();
    const { image, run, builders } = await startSlowBuild(first, 'crash-resume', 'sleep 4 && npm run build');
    const orphanCandidates = builders.map((info) => info.pid);

    const exit = await first.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');

    const second = await startServer(first.dataDir);
    const ended = await waitForRun(second, run.id);
    expect(ended, second.describe()).toMatchObject({
      status: 'succeeded',
      step: 'build',
      attempt: 2,
      error: null,
    });

    const built = await getImage(second, image.id);
    expect(built).toMatchObject({ state: 'built', activeRunId: null });
    const path = String(built.status.path);
    expect(path.startsWith(first.dataDir)).toBe(true);
    expect(readFileSync(join(path, 'VERSION'), 'utf8').trim()).toBe('2.0.0');
    expect(existsSync(join(path, 'package.json'))).toBe(true);

    const transitions = await transitionsOf(second, image.id);
    expect(transitions.map((t) => `${t.from}>${t.to}:${t.event}:${t.outcome}:${t.attempt}`)).toEqual([
      'pending>building:BUILD:requested:1',
      'building>built:SUCCESS:succeeded:2',
    ]);
    expectOneRecordPerStateChange(transitions, 'pending', 'built');
    expect(transitions.every((t) => t.runId === run.id && t.resourceId === image.id)).toBe(true);

    // Nothing of either attempt is left running once the run has ended.
    const leftovers = await processesWithin(first.dataDir);
    expect(leftovers, 'processes still working in the data dir after the resumed run ended').toEqual([]);
    expect(alive(orphanCandidates), "the killed server's build processes").toEqual([]);
  }, 180_000);

  it('cancels a resumed build after the restart: the image returns to pending and nothing keeps building', async () => {
    const first = await startServer();
    const { image, run, builders } = await startSlowBuild(first, 'crash-cancel', 'sleep 60 && npm run build');
    const orphanCandidates = builders.map((info) => info.pid);

    await first.kill('SIGKILL');

    const second = await startServer(first.dataDir);
    await waitForRun(second, run.id, (seen) => seen.status === 'running' && seen.attempt === 2);
    const cancel = await second.api('POST', `/v1/runs/${run.id}/cancel`, { reason: 'crashed mid-build' });
    expect(cancel.status, cancel.text).toBe(202);

    const ended = await waitForRun(second, run.id);
    expect(ended, second.describe()).toMatchObject({ status: 'cancelled' });
    expect((await getRun(second, run.id)).status).toBe('cancelled');
    expect(await getImage(second, image.id)).toMatchObject({ state: 'pending', activeRunId: null });
    expect(
      existsSync(join(first.dataDir, 'images', image.id)),
      'the aborted build left its files behind',
    ).toBe(false);

    const transitions = await transitionsOf(second, image.id);
    expect(transitions.map((t) => `${t.from}>${t.to}:${t.event}:${t.outcome}`)).toEqual([
      'pending>building:BUILD:requested',
      'building>pending:CANCEL:cancelled',
    ]);
    expectOneRecordPerStateChange(transitions, 'pending', 'pending');

    // Cancel aborts the resumed attempt. (The killed server's own processes are the next test's subject.)
    await pollUntil(
      'the resumed build to stop',
      async () => {
        const left = await processesWithin(first.dataDir);
        return left.every((info) => orphanCandidates.includes(info.pid)) ? true : undefined;
      },
      { timeoutMs: 20_000, describe: () => second.describe() },
    );
  }, 180_000);

  it('leaves no build of the killed server running beside the resumed attempt', async () => {
    const first = await startServer();
    const { run, builders } = await startSlowBuild(first, 'crash-orphan', 'sleep 60 && npm run build');
    const orphanCandidates = builders.map((info) => info.pid);

    await first.kill('SIGKILL');
    // Nothing but the dead server could have stopped them: a SIGKILLed parent does not take its children along.
    const survivors = alive(orphanCandidates);
    expect(survivors.length, 'precondition: the killed server left its build running').toBeGreaterThan(0);

    const second = await startServer(first.dataDir);
    await waitForRun(second, run.id, (seen) => seen.status === 'running' && seen.attempt === 2);
    await buildProcesses(second, orphanCandidates);
    // Two builds of one run in one directory race each other: the restart must stop (or adopt) the old one.
    let stillAlive: number[] = [];
    await pollUntil(
      "the killed server's build processes to be gone",
      async () => {
        stillAlive = alive(orphanCandidates);
        return stillAlive.length === 0 ? true : undefined;
      },
      {
        timeoutMs: 20_000,
        describe: () =>
          `alive right after the kill: ${JSON.stringify(survivors)}; still alive: ${JSON.stringify(stillAlive)}; ` +
          `processes then seen: ${JSON.stringify(builders)}\n${second.describe()}`,
      },
    );
    const cancel = await second.api('POST', `/v1/runs/${run.id}/cancel`, { reason: 'test over' });
    expect(cancel.status, cancel.text).toBe(202);
    expect((await waitForRun(second, run.id)).status).toBe('cancelled');
  }, 180_000);
});
