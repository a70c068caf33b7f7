import { rm } from 'node:fs/promises';
import type { ImageSpec } from '@slipway/domain';
import { failed, type StepContext, type StepOutcome, succeeded } from '@slipway/domain';
import { pathAbsent } from '../verify/path-absent';
import { runChecks } from '../verify/run-checks';
import { imagePaths } from './paths';
import { stopStaleBuild } from './stale-build';

/**
 * Removes everything kept for the image. Idempotent: an image already gone is destroyed. Also
 * used as cleanup after a cancelled build or destroy, where a partial directory is all there is.
 */
export async function removeImage(context: StepContext<ImageSpec>, dataDir: string): Promise<StepOutcome> {
  const { imageDir } = imagePaths(dataDir, context.resource.id);
  const stale = await stopStaleBuild(imageDir);
  if (stale !== null)
    context.log(`stopped a build still running in ${imageDir} (${stale.killed} process(es))`);
  try {
    await rm(imageDir, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    return failed(
      'destroy_failed',
      `could not remove ${imageDir}: ${error instanceof Error ? error.message : error}`,
    );
  }
  const report = await runChecks([() => pathAbsent(imageDir)]);
  for (const check of report.results)
    context.log(`check ${check.ok ? 'passed' : 'FAILED'}: ${check.message}`);
  if (!report.ok) {
    return failed('verification_failed', `removed ${imageDir} but ${report.results[0]?.message}`, {
      checks: report.results,
    });
  }
  // `path: null` overwrites the built path in the resource status, which would otherwise dangle.
  return succeeded({ path: null, removed: imageDir, checks: report.results });
}
