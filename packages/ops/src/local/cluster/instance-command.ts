/** Leading `NAME=value` words: with exec, dash passes them to the program it becomes. */
const ASSIGNMENTS = /^(\s*[A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|'[^']*'|[^\s"'\\]*))*\s*/;
/** Anything that makes the command more than one simple command, which exec would change. */
const COMPOUND = /[;&|<>()`\n{}!]|\$\(/;
/** First words that are shell syntax or builtins, not programs exec could become. */
const NOT_A_PROGRAM = new Set([
  'cd',
  'if',
  'for',
  'while',
  'until',
  'case',
  'exec',
  'export',
  'set',
  '.',
  'eval',
  'trap',
  'wait',
]);

/**
 * The script `/bin/sh -c` runs for an instance. dash does not exec the last command of `-c` by
 * itself, so without `exec` the recorded pid would be the shell's: killing it would leave the app
 * serving while Slipway reports it stopped. A compound start command (`cd dist && node x.js`) runs
 * as written: its pid stays the shell's, whose group still holds the app.
 */
export function instanceScript(start: string): string {
  const prefix = ASSIGNMENTS.exec(start)?.[0] ?? '';
  const rest = start.slice(prefix.length);
  const program = rest.split(/\s/, 1)[0] ?? '';
  if (rest.trim().length === 0 || COMPOUND.test(rest) || NOT_A_PROGRAM.has(program)) return start;
  return `${prefix}exec ${rest}`;
}
