import type { Command } from 'commander';
import { CliExit, EXIT } from './exit-codes';
import { type GlobalOptions, openSession, type Session } from './session';

/**
 * A command body: gets a session and commander's arguments (positionals, then options), returns the exit code. Errors meant for the operator (CliExit)
 * are printed — the problem as JSON on stdout under --json, the message on stderr always.
 */
export function withSession<A extends unknown[]>(
  body: (session: Session, ...args: A) => Promise<number | undefined>,
): (...args: [...A, Command]) => Promise<void> {
  return async (...args) => {
    const command = args.at(-1) as Command;
    const options = command.optsWithGlobals<GlobalOptions>();
    try {
      const session = await openSession(options);
      process.exitCode = (await body(session, ...(args.slice(0, -1) as A))) ?? EXIT.ok;
    } catch (error) {
      if (!(error instanceof CliExit)) throw error;
      // Under --json stdout is always JSON: the server's problem, or the CLI's own refusal in its shape.
      if (options.json) process.stdout.write(`${JSON.stringify(error.json ?? cliProblem(error), null, 2)}\n`);
      process.stderr.write(`${error.message}\n`);
      process.exitCode = error.code;
    }
  };
}

function cliProblem(error: CliExit): Record<string, unknown> {
  return {
    title: 'slipway refused',
    code: 'cli_error',
    exitCode: error.code,
    detail: error.message.replace(/^slipway: /, ''),
  };
}
