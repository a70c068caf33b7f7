import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface ChildServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts a compiled server file (see `npm run prebench`) and waits for its `listening <url>` line. */
export async function startChildServer(
  file: string,
  env: Record<string, string>,
  cwd: string,
): Promise<ChildServer> {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, [file], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((done, fail) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = /listening (http:\/\/\S+)/.exec(output);
      if (match) done(match[1]!);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.once('exit', (code) => fail(new Error(`${file} exited (${code}) before listening:\n${output}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
