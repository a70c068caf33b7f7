import { Command, CommanderError } from 'commander';
import { addOperatorCommands } from './commands/operator-commands';
import { addResourceCommands } from './commands/resource-commands';
import { addUserCommands } from './commands/user-commands';
import { EXIT } from './exit-codes';

/** Kinds whose commands are listed in --help; any other plural the server serves works the same. */
const KNOWN_PLURALS = ['images', 'clusters', 'services', 'users'];

export function buildProgram(argv: readonly string[]): Command {
  const program = new Command('slipway')
    .description(
      'The Slipway CLI: bake images, deploy clusters, follow runs live, read the audit log.\n' +
        'URL and token: --url/--token, else SLIPWAY_URL/SLIPWAY_TOKEN, else the file `slipway login` wrote.\n' +
        'Exit codes: 0 done (a followed run succeeded), 1 a followed run failed or was cancelled,\n' +
        '2 bad usage or configuration, 3 the API refused (the problem is printed), 4 the API is unreachable, 70 an internal error of the CLI.',
    )
    .option('--json', 'print JSON (the API’s entities and problems) for scripts')
    .option(
      '--url <url>',
      'where Slipway listens (default: $SLIPWAY_URL, the login file, http://127.0.0.1:7070)',
    )
    .option('--token <token>', 'bearer token (default: $SLIPWAY_TOKEN, the login file)')
    .showHelpAfterError()
    .exitOverride();
  addOperatorCommands(program);
  addUserCommands(program);
  const builtIn = new Set(program.commands.map((command) => command.name()));
  // The first word that is not an option names the command; an unknown one is taken for a kind's
  // plural (the server says whether it serves it), so new kinds need no CLI change.
  const first = argv.find((arg) => !arg.startsWith('-'));
  const plurals = new Set(KNOWN_PLURALS);
  if (first && !builtIn.has(first) && first !== 'help' && /^[a-z][a-z0-9-]*$/.test(first)) plurals.add(first);
  for (const plural of plurals) addResourceCommands(program, plural);
  for (const command of program.commands) exitOverrideAll(command);
  return program;
}

function exitOverrideAll(command: Command): void {
  command.exitOverride();
  for (const child of command.commands) exitOverrideAll(child);
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram(argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // --help and --version end here with code 0; usage errors were printed by commander.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // Not a refusal the CLI knows: a defect of its own. Say what broke; the stack only on request.
  const detail =
    error instanceof Error
      ? process.env.SLIPWAY_DEBUG
        ? (error.stack ?? error.message)
        : error.message
      : String(error);
  process.stderr.write(`slipway: internal error: ${detail} (SLIPWAY_DEBUG=1 prints the stack)\n`);
  process.exitCode = EXIT.internal;
});
