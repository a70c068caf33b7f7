/**
 * `tsx run-build-as-user.mts <cwd> <command>`: runs one build command with runBuildCommand and
 * prints its result as JSON. Tests start it under another uid (setpriv) to run a build the way a
 * non-root Slipway does, where no cgroup can be had.
 */
import { runBuildCommand } from '../../src/local/run-build-command';

const [cwd, command] = process.argv.slice(2);
if (!cwd || !command) throw new Error('usage: run-build-as-user.mts <cwd> <command>');
const result = await runBuildCommand({
  command,
  cwd,
  env: { PATH: process.env.PATH, SLIPWAY_IMAGE_DIR: cwd },
  mark: { name: 'SLIPWAY_IMAGE_DIR', value: cwd },
  cgroupName: `slipway-build-test-user-${process.pid}`,
  signal: new AbortController().signal,
  timeoutMs: 20_000,
  onLine: () => {},
});
process.stdout.write(`${JSON.stringify(result)}\n`);
