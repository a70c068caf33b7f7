/** What `slipway` exits with, so scripts can branch without parsing output. */
export const EXIT = {
  /** Done; for a followed run: it succeeded. */
  ok: 0,
  /** A followed run ended failed or cancelled. */
  runDidNotSucceed: 1,
  /** Bad usage or configuration (unknown command, missing option, no URL or token). */
  usage: 2,
  /** The API refused the request (a problem: 4xx or 5xx); the problem is printed. */
  refused: 3,
  /** The API could not be reached. */
  unreachable: 4,
  /** A defect of the CLI itself (sysexits' EX_SOFTWARE), never a run's outcome. */
  internal: 70,
} as const;

/** Ends the command with an exit code and a message already meant for the operator. */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** Printed on stdout under --json (a problem), so a script always gets JSON there. */
    readonly json?: unknown,
  ) {
    super(message);
  }
}
