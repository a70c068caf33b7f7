import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface DetachedOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here: nothing ties the process to our pipes. */
  logFile: string;
}

/**
 * Starts a process that outlives us: its own session and process group (so a signal to our group
 * or our death does not reach it), output to a file rather than a pipe (so it never blocks or
 * gets SIGPIPE once we are gone), and unref'd so we can exit while it runs. Its pid is also its
 * process group id.
 */
export function spawnDetached(options: DetachedOptions): Promise<number> {
  const log = openSync(options.logFile, 'a');
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        child.removeListener('error', reject);
        // Errors after the spawn (none expected) must not crash us: the process is on its own now.
        child.on('error', () => {});
        if (child.pid === undefined) reject(new Error(`no pid for ${options.command}`));
        else resolve(child.pid);
      });
    });
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(log);
  }
}
