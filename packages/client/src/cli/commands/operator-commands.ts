import type { Command } from 'commander';
import { createSlipwayClient } from '../../slipway-client';
import { withSession } from '../action';
import { configPath, writeLogin } from '../config-file';
import { drawMachine } from '../draw-machine';
import { CliExit, EXIT } from '../exit-codes';
import { exitFor, followRun } from '../follow';
import { createOutput, paint, seconds, stateColour, table } from '../output';
import { findKind, resolveResource } from '../resolve';
import { call, type GlobalOptions } from '../session';
import { afterRun, type RunRequest, requestRun } from './resource-commands';

/** The audit filters the CLI knows by name; any other `--name value` is passed through as a query parameter. */
const AUDIT_FILTERS = ['kind', 'resource', 'run', 'actor', 'outcome', 'since', 'until', 'limit', 'cursor'];

/** Unknown `--key value` / `--key=value` pairs, for filters this CLI does not know yet. */
function passThrough(args: readonly string[]): Record<string, string> {
  const query: Record<string, string> = {};
  for (let index = 0; index < args.length; index += 1) {
    const match = /^--([A-Za-z][\w-]*)(?:=(.*))?$/.exec(args[index]!);
    if (!match) throw new CliExit(EXIT.usage, `slipway audit: unexpected argument "${args[index]}"`);
    const value = match[2] ?? args[++index];
    if (value === undefined) throw new CliExit(EXIT.usage, `slipway audit: --${match[1]} needs a value`);
    query[match[1]!] = value;
  }
  return query;
}

export function addOperatorCommands(program: Command): void {
  program
    .command('login')
    .description(
      'check --url and --token (or SLIPWAY_URL/SLIPWAY_TOKEN) against the server and save them (mode 0600)',
    )
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const output = createOutput(options.json === true);
      const url = options.url ?? process.env.SLIPWAY_URL ?? 'http://127.0.0.1:7070';
      const token = options.token ?? process.env.SLIPWAY_TOKEN;
      try {
        if (!token) throw new CliExit(EXIT.usage, 'slipway login: pass --token (or set SLIPWAY_TOKEN)');
        await call({ baseUrl: url }, createSlipwayClient({ baseUrl: url, token }).GET('/v1/kinds'));
        const path = configPath();
        await writeLogin(path, { url, token });
        if (output.json) output.data({ url, config: path });
        else output.print(`logged in to ${url}; saved to ${path} (mode 0600)`);
      } catch (error) {
        if (!(error instanceof CliExit)) throw error;
        if (output.json && error.json !== undefined) output.data(error.json);
        output.error(error.message);
        process.exitCode = error.code;
      }
    });

  program
    .command('run <kind> <name-or-id> <target>')
    .description('move a resource to a target state: 202 and a run (with --wait: followed to its end)')
    .option('--reason <why>', 'recorded on the run; required for some targets (destroyed)')
    .option('--force', 'for targets that need it (destroying a live cluster)')
    .option('--wait', 'follow the run to its end; exit 1 unless it succeeded')
    .action(
      withSession(
        async (
          session,
          kind: string,
          nameOrId: string,
          target: string,
          options: Omit<RunRequest, 'target'>,
        ) => requestRun(session, kind, nameOrId, { ...options, target }),
      ),
    );

  program
    .command('promote <cluster>')
    .description('put a ready or standby cluster live; the live one of its service goes to standby')
    .option('--reason <why>', 'recorded on the run')
    .option('--wait', 'follow the run to its end; exit 1 unless it succeeded')
    .action(
      withSession(async (session, cluster: string, options: { reason?: string; wait?: boolean }) =>
        requestRun(session, 'clusters', cluster, { ...options, target: 'live' }),
      ),
    );

  program
    .command('cancel <run-id>')
    .description('cancel a run: its step is aborted and cleaned up')
    .option('--reason <why>', 'recorded on the run')
    .option('--wait', 'follow the run to its end (exit 1: it ended cancelled, or failed)')
    .action(
      withSession(async (session, runId: string, options: { reason?: string; wait?: boolean }) => {
        const run = await call(
          session,
          session.client.POST('/v1/runs/{id}/cancel', {
            params: { path: { id: runId } },
            body: options.reason ? { reason: options.reason } : {},
          }),
        );
        return afterRun(session, run, options.wait === true, 'cancel requested');
      }),
    );

  const runs = program.command('runs').description('follow and read runs');
  runs
    .command('follow <run-id>')
    .description(
      'live progress (server-sent events): a line per step, the log tail on failure; exit 0 only if it succeeded',
    )
    .action(
      withSession(async (session, runId: string) => {
        const run = await followRun(session, runId);
        if (session.output.json) session.output.data(run);
        return exitFor(run);
      }),
    );
  runs
    .command('get <run-id>')
    .description('one run: status, step, attempt, timings, error')
    .action(
      withSession(async (session, runId: string) => {
        const run = await call(
          session,
          session.client.GET('/v1/runs/{id}', { params: { path: { id: runId } } }),
        );
        const { output } = session;
        if (output.json) output.data(run);
        else
          output.print(
            `run ${run.id} ${paint(output, stateColour(run.status), run.status)}: ${run.kind} ${run.resourceId} ${run.fromState} → ${run.action ?? run.target}` +
              `${run.step ? `, step ${run.step} (attempt ${run.attempt})` : ''}, ${seconds(run.durationMs)}` +
              `${run.error ? `\n  ${run.error.code}: ${run.error.message}` : ''}`,
          );
        return 0;
      }),
    );

  program
    .command('audit')
    .description(
      'the transition log, oldest first; filters as GET /v1/transitions (unknown --name value pairs are passed through)',
    )
    .option('--kind <kind>', 'only this kind')
    .option('--resource <name-or-id>', 'only this resource (a name needs --kind)')
    .option('--run <run-id>', 'only this run')
    .option('--actor <who>', 'only changes asked for by this actor')
    .option('--outcome <outcome>', 'succeeded, failed or cancelled')
    .option('--since <time>', 'ended at or after (ISO 8601)')
    .option('--until <time>', 'ended before (ISO 8601)')
    .option('--limit <n>', 'page size (1-200)')
    .option('--cursor <cursor>', 'the nextCursor of a previous page')
    .allowUnknownOption()
    .argument('[filters...]')
    .action(
      withSession(async (session, extra: string[], options: Record<string, string | undefined>) => {
        const query: Record<string, string> = passThrough(extra);
        for (const name of AUDIT_FILTERS) {
          const value = options[name];
          if (value !== undefined)
            query[name === 'resource' ? 'resourceId' : name === 'run' ? 'runId' : name] = value;
        }
        if (options.resource && options.kind) {
          const kind = await findKind(session, options.kind);
          query.kind = kind.name;
          query.resourceId = (await resolveResource(session, kind.plural, options.resource)).id;
        }
        const page = await call(
          session,
          session.client.GET('/v1/transitions', { params: { query: query as Record<string, never> } }),
        );
        const { output } = session;
        if (output.json) output.data(page);
        else {
          output.print(
            table(
              output,
              ['ENDED', 'KIND', 'RESOURCE', 'FROM', 'TO', 'EVENT', 'OUTCOME', 'TOOK', 'ACTOR', 'RUN'],
              page.items.map((t) => [
                t.endedAt,
                t.kind,
                t.resourceId,
                t.from,
                t.to,
                t.event,
                t.outcome,
                seconds(t.durationMs),
                t.actor,
                t.runId,
              ]),
            ),
          );
          if (page.nextCursor) output.print(`more: slipway audit … --cursor ${page.nextCursor}`);
        }
        return 0;
      }),
    );

  const kinds = program.command('kinds').description('the resource kinds and their state machines');
  kinds
    .command('list')
    .description('the kinds this server serves')
    .action(
      withSession(async (session) => {
        const page = await call(session, session.client.GET('/v1/kinds'));
        const { output } = session;
        if (output.json) output.data(page);
        else
          output.print(
            table(
              output,
              ['KIND', 'PLURAL', 'STATES', 'TARGETS'],
              page.items.map((kind) => [
                kind.name,
                kind.plural,
                String(kind.states.length),
                kind.targets.map((t) => t.state).join(', '),
              ]),
            ),
          );
        return 0;
      }),
    );
  kinds
    .command('describe <kind>')
    .description('the machine, drawn in the terminal: states, steps, transitions, targets, actions')
    .action(
      withSession(async (session, name: string) => {
        const { name: kindName } = await findKind(session, name);
        const kind = await call(
          session,
          session.client.GET('/v1/kinds/{kind}', { params: { path: { kind: kindName } } }),
        );
        if (session.output.json) session.output.data(kind);
        else session.output.print(drawMachine(session.output, kind));
        return 0;
      }),
    );
}
