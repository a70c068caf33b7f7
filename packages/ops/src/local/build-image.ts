import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ImageSpec } from '@slipway/domain';
import { failed, type StepContext, type StepOutcome, succeeded } from '@slipway/domain';
import { directoryExists } from '../verify/directory-exists';
import { fileExists } from '../verify/file-exists';
import { runChecks } from '../verify/run-checks';
import { baseEnv } from './base-env';
import { copySource } from './copy-source';
import { directoryStats } from './directory-stats';
import { checkSource, type SourceRules } from './image-source';
import { imagePaths } from './paths';
import { runBuildCommand } from './run-build-command';
import { buildCgroupName, forgetBuild, IMAGE_DIR_ENV, recordBuild, stopStaleBuild } from './stale-build';
import { nodeEntryFile } from './start-entry';

const DEFAULT_TIMEOUT_SECONDS = 600;

export interface BuildImageOptions extends SourceRules {
  /** Between SIGTERM and SIGKILL when a build is stopped. */
  killGraceMs?: number;
}

/** Copies the source into the data directory, builds it there, and proves the result. */
export async function buildImage(
  context: StepContext<ImageSpec>,
  options: BuildImageOptions,
): Promise<StepOutcome> {
  const { spec, id } = context.resource;
  const { imageDir, appDir } = imagePaths(options.dataDir, id);
  const version = spec.version ?? '0.0.0';
  const source = checkSource(spec.source, options);
  if (!source.ok) return failed(source.code, source.message);
  if (context.signal.aborted) return cancelled(context, 'before copying');

  // A previous attempt may have died half way: start from nothing so retries are idempotent.
  const stale = await stopStaleBuild(imageDir);
  if (stale !== null) {
    const group = stale.group === null ? '' : `, process group ${stale.group}`;
    context.log(`stopped the build left running by an earlier attempt (${stale.killed} process(es)${group})`);
  }
  await rm(imageDir, { recursive: true, force: true });
  await mkdir(imageDir, { recursive: true });
  context.log(`copying ${source.path} to ${appDir}`);
  try {
    await copySource(source.path, appDir);
  } catch (error) {
    return failed('copy_failed', `could not copy ${source.path} to ${appDir}: ${messageOf(error)}`);
  }
  if (context.signal.aborted) return cancelled(context, 'after copying');

  const timeoutSeconds = spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  context.log(`running ${JSON.stringify(spec.build)} in ${appDir} with SLIPWAY_IMAGE_VERSION=${version}`);
  const result = await runBuildCommand({
    command: spec.build,
    cwd: appDir,
    env: baseEnv({ SLIPWAY_IMAGE_VERSION: version, [IMAGE_DIR_ENV]: imageDir }),
    mark: { name: IMAGE_DIR_ENV, value: imageDir },
    cgroupName: buildCgroupName(imageDir),
    signal: context.signal,
    timeoutMs: timeoutSeconds * 1000,
    killGraceMs: options.killGraceMs,
    onLine: (line) => context.log(line),
    onSpawn: (pid) => {
      // Runs inside an event callback, where a throw would take the process down; the pid file only
      // helps crash recovery, so the build goes on without it.
      try {
        recordBuild(imageDir, pid);
      } catch (error) {
        context.log(`could not record the build pid: ${messageOf(error)}`);
      }
    },
  });
  await forgetBuild(imageDir);
  if (result.leftovers > 0) {
    const how = result.containment === 'cgroup' ? 'cgroup' : 'tracked';
    context.log(`killed ${result.leftovers} process(es) the build left running (${how})`);
  }
  if (result.unkillable.length > 0)
    context.log(`could not kill pids ${result.unkillable.join(', ')} the build left running`);
  const buildSeconds = Math.round(result.durationMs) / 1000;
  const command = JSON.stringify(spec.build);
  const lastStderr = result.lastStderrLine
    ? `last stderr line: ${JSON.stringify(result.lastStderrLine)}`
    : 'no stderr output';

  switch (result.ended) {
    case 'aborted':
      return cancelled(context, `while ${command} ran; its process group was killed`);
    case 'timeout':
      return failed(
        'build_timeout',
        `build ${command} did not finish within ${timeoutSeconds}s in ${appDir}; its process group was killed; ${lastStderr}`,
        { buildSeconds },
      );
    case 'spawn_error':
      return failed(
        'build_failed',
        `could not start /bin/sh for ${command} in ${appDir}: ${result.spawnError}`,
      );
    case 'exited':
      if (result.exitCode !== 0) {
        const how =
          result.exitCode === null ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
        return failed('build_failed', `build ${command} ${how} in ${appDir}; ${lastStderr}`, {
          exitCode: result.exitCode,
          buildSeconds,
        });
      }
  }

  const entry = spec.start ? nodeEntryFile(spec.start) : null;
  const report = await runChecks([
    () => directoryExists(appDir, { notEmpty: true }),
    ...(entry ? [() => fileExists(resolve(appDir, entry))] : []),
  ]);
  for (const check of report.results)
    context.log(`check ${check.ok ? 'passed' : 'FAILED'}: ${check.message}`);
  if (!report.ok) {
    const problems = report.results.filter((check) => !check.ok).map((check) => check.message);
    return failed('verification_failed', `build ${command} exited 0 but ${problems.join('; ')}`, {
      checks: report.results,
    });
  }
  const { files, sizeBytes } = await directoryStats(appDir);
  return succeeded({ path: appDir, version, files, sizeBytes, buildSeconds, checks: report.results });
}

function cancelled(context: StepContext<ImageSpec>, when: string): StepOutcome {
  const reason = context.signal.reason;
  const why = typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : 'aborted';
  return failed('cancelled', `build stopped (${why}) ${when}`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
