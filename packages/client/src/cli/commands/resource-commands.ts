import type { Command } from 'commander';
import type { ResourceEntity, RunEntity } from '../../slipway-client';
import { withSession } from '../action';
import { CliExit, EXIT } from '../exit-codes';
import { exitFor, followRun } from '../follow';
import { paint, stateColour, table } from '../output';
import { findKind, kindItemPath, kindPath, resolveResource } from '../resolve';
import { call, type Session } from '../session';
import { collect, labelsFrom, specFrom } from '../spec-options';

export interface RunRequest {
  target: string;
  reason?: string;
  force?: boolean;
  wait?: boolean;
}

/** Asks for a run, prints it, and with --wait follows it to its end (exit 1 unless it succeeded). */
export async function requestRun(
  session: Session,
  kind: string,
  nameOrId: string,
  request: RunRequest,
): Promise<number> {
  const { plural } = await findKind(session, kind);
  const resource = await resolveResource(session, plural, nameOrId);
  const body = {
    // Typed through the image's route (see resolve.ts); the server checks the target for the kind.
    target: request.target as never,
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.force ? { force: true } : {}),
  };
  const run = await call(
    session,
    session.client.POST(`${kindItemPath(plural)}/runs` as '/v1/images/{id}/runs', {
      params: { path: { id: resource.id } },
      body,
    }),
  );
  return afterRun(session, run, request.wait === true, `${plural} ${resource.name} → ${request.target}`);
}

export async function afterRun(
  session: Session,
  run: RunEntity,
  wait: boolean,
  what: string,
): Promise<number> {
  const { output } = session;
  if (!wait) {
    if (output.json) output.data(run);
    else output.print(`run ${run.id} ${run.status}: ${what} (follow it: slipway runs follow ${run.id})`);
    return 0;
  }
  if (!output.json) output.print(`run ${run.id}: ${what}`);
  const ended = await followRun(session, run.id);
  if (output.json) output.data(ended);
  return exitFor(ended);
}

/** `image=hello-v1` or `source=image:hello-v1` → `image=<id>` as a --set assignment. */
async function resolveRef(session: Session, ref: string): Promise<string> {
  const match = /^([^=]+)=(?:([a-z][a-z0-9-]*):)?(.+)$/.exec(ref);
  if (!match)
    throw new CliExit(EXIT.usage, `slipway: --ref wants field=name (or field=kind:name), got "${ref}"`);
  const [, field, kindName, nameOrId] = match as unknown as [string, string, string | undefined, string];
  const kind = await findKind(session, kindName ?? field.split('.').at(-1)!);
  const resource = await resolveResource(session, kind.plural, nameOrId);
  return `${field}=${JSON.stringify(resource.id)}`;
}

function printResource(session: Session, resource: ResourceEntity): void {
  const { output } = session;
  if (output.json) {
    output.data(resource);
    return;
  }
  const { spec, status, labels, ...rest } = resource;
  const observed = (resource as { observed?: unknown }).observed;
  output.print(
    [
      `${resource.kind} ${paint(output, 'bold', resource.name)} (${resource.id})`,
      `  state      ${paint(output, stateColour(resource.state), resource.state)}`,
      `  version    ${rest.version}`,
      `  activeRun  ${rest.activeRunId ?? '-'}`,
      `  updated    ${rest.updatedAt}`,
      `  labels     ${JSON.stringify(labels)}`,
      `  spec       ${JSON.stringify(spec)}`,
      `  status     ${JSON.stringify(status)}`,
      ...(observed === undefined ? [] : [`  observed   ${JSON.stringify(observed)}`]),
    ].join('\n'),
  );
}

/**
 * `slipway <plural> create|list|get|run|action`, written against the generic kind routes, so it
 * serves any kind the server registers (images, clusters, services…), checked against GET /v1/kinds.
 */
export function addResourceCommands(program: Command, plural: string): void {
  const group = program
    .command(plural)
    .description(`${plural}: create, list, get, run to a target, run an action`);

  group
    .command('create <name>')
    .description(`declare one of the ${plural} (its spec from --spec JSON and/or --set key=value)`)
    .option('--spec <json>', 'the spec as a JSON object')
    .option(
      '--set <key=value>',
      'one spec field (dots for nesting; JSON values parsed), repeatable',
      collect,
      [],
    )
    .option(
      '--ref <field=name-or-id>',
      'a spec field naming another resource, given by name: its id is looked up (`image=hello-v1`; `field=kind:name` when the field is not named after its kind), repeatable',
      collect,
      [],
    )
    .option('--label <key=value>', 'a label, repeatable', collect, [])
    .action(
      withSession(
        async (
          session,
          name: string,
          options: { spec?: string; set: string[]; ref: string[]; label: string[] },
        ) => {
          const kind = await findKind(session, plural);
          const labels = labelsFrom(options.label);
          const refs: string[] = [];
          for (const ref of options.ref) refs.push(await resolveRef(session, ref));
          const created = await call(
            session,
            session.client.POST(kindPath(kind.plural), {
              body: {
                name,
                spec: specFrom(options.spec, [...options.set, ...refs]) as never,
                ...(Object.keys(labels).length > 0 ? { labels } : {}),
              },
            }),
          );
          if (session.output.json) session.output.data(created);
          else
            session.output.print(
              `created ${created.kind} ${created.name} (${created.id}), state ${created.state}`,
            );
          return 0;
        },
      ),
    );

  group
    .command('list')
    .description(`list the ${plural}, newest first (every page)`)
    .option('--state <state>', 'only in this state')
    .option('--label <key=value>', 'only with this label, repeatable', collect, [])
    .action(
      withSession(async (session, options: { state?: string; label: string[] }) => {
        const kind = await findKind(session, plural);
        const items: ResourceEntity[] = [];
        let cursor: string | undefined;
        do {
          const query = {
            limit: 200,
            ...(options.state ? { state: options.state as never } : {}),
            ...(options.label.length > 0 ? { label: options.label } : {}),
            ...(cursor ? { cursor } : {}),
          };
          const page = await call(session, session.client.GET(kindPath(kind.plural), { params: { query } }));
          items.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        const { output } = session;
        if (output.json) output.data({ items, nextCursor: null });
        else
          output.print(
            table(
              output,
              ['NAME', 'STATE', 'ID', 'ACTIVE RUN', 'UPDATED'],
              items.map((item) => [item.name, item.state, item.id, item.activeRunId ?? '-', item.updatedAt]),
            ),
          );
        return 0;
      }),
    );

  group
    .command('get <name-or-id>')
    .description('one resource, with what the provider observes (a cluster’s instances)')
    .action(
      withSession(async (session, nameOrId: string) => {
        const kind = await findKind(session, plural);
        printResource(session, await resolveResource(session, kind.plural, nameOrId));
        return 0;
      }),
    );

  group
    .command('run <name-or-id> <target>')
    .description('move it to a target state (same as `slipway run <kind> …`)')
    .option('--reason <why>', 'recorded on the run; required for some targets')
    .option('--force', 'for targets that need it (destroying a live cluster)')
    .option('--wait', 'follow the run to its end; exit 1 unless it succeeded')
    .action(
      withSession(async (session, nameOrId: string, target: string, options: Omit<RunRequest, 'target'>) =>
        requestRun(session, plural, nameOrId, { ...options, target }),
      ),
    );

  group
    .command('action <name-or-id> <action>')
    .description('run one of the kind’s actions (a cluster’s verify), recorded as a transition')
    .option('--wait', 'follow the run to its end; exit 1 unless it succeeded')
    .action(
      withSession(async (session, nameOrId: string, action: string, options: { wait?: boolean }) => {
        const kind = await findKind(session, plural);
        if (!kind.actions.some((candidate) => candidate.name === action)) {
          const known = kind.actions.map((candidate) => candidate.name).join(', ');
          throw new CliExit(
            EXIT.usage,
            `slipway: ${kind.plural} have ${known ? `the actions ${known}` : 'no actions'}, not "${action}"`,
          );
        }
        const resource = await resolveResource(session, kind.plural, nameOrId);
        const run = await call(
          session,
          session.client.POST(`${kindItemPath(kind.plural)}/${action}` as '/v1/clusters/{id}/verify', {
            params: { path: { id: resource.id } },
            body: {},
          }),
        );
        return afterRun(session, run, options.wait === true, `${kind.plural} ${resource.name}: ${action}`);
      }),
    );
}
