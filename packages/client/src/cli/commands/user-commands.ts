import type { Command } from 'commander';
import { withSession } from '../action';
import { table } from '../output';
import { resolveResource } from '../resolve';
import { call, type Session } from '../session';

/** The user a token command is about: `--user` by name or id, else the caller. */
async function userIdOf(session: Session, user: string | undefined): Promise<string> {
  if (user) return (await resolveResource(session, 'users', user)).id;
  const me = await call(session, session.client.GET('/v1/me'));
  if (!me.userId) throw new Error('the server did not say which user this token belongs to');
  return me.userId;
}

export function addUserCommands(program: Command): void {
  program
    .command('whoami')
    .description('the user this token belongs to, and what it may do (GET /v1/me)')
    .action(
      withSession(async (session) => {
        const me = await call(session, session.client.GET('/v1/me'));
        if (session.output.json) session.output.data(me);
        else session.output.print(`${me.name}\n  ${me.permissions.join('\n  ')}`);
        return 0;
      }),
    );

  const tokens = program
    .command('tokens')
    .description("API tokens: yours, or another user's with user:admin");
  tokens
    .command('list')
    .option('--user <name-or-id>', 'whose tokens (default: yours)')
    .action(
      withSession(async (session, options: { user?: string }) => {
        const id = await userIdOf(session, options.user);
        const page = await call(
          session,
          session.client.GET('/v1/users/{id}/tokens', { params: { path: { id } } }),
        );
        if (session.output.json) session.output.data(page);
        else
          session.output.print(
            table(
              session.output,
              ['ID', 'NAME', 'PURPOSE', 'CREATED', 'EXPIRES', 'REVOKED', 'LAST USED'],
              page.items.map((t) => [
                t.id,
                t.name,
                t.purpose,
                t.createdAt,
                t.expiresAt ?? '-',
                t.revokedAt ?? '-',
                t.lastUsedAt ?? '-',
              ]),
            ),
          );
        return 0;
      }),
    );
  tokens
    .command('create <name>')
    .description('a new token; its secret is printed this once')
    .option('--user <name-or-id>', 'for whom (default: you)')
    .option('--expires <time>', 'when it stops working (ISO 8601)')
    .action(
      withSession(async (session, name: string, options: { user?: string; expires?: string }) => {
        const id = await userIdOf(session, options.user);
        const issued = await call(
          session,
          session.client.POST('/v1/users/{id}/tokens', {
            params: { path: { id } },
            body: { name, ...(options.expires ? { expiresAt: options.expires } : {}) },
          }),
        );
        if (session.output.json) session.output.data(issued);
        else
          session.output.print(
            `${issued.secret}\n(token ${issued.token.id}; shown once, only its hash is kept)`,
          );
        return 0;
      }),
    );
  tokens
    .command('revoke <token-id>')
    .option('--user <name-or-id>', 'whose token (default: yours)')
    .action(
      withSession(async (session, tokenId: string, options: { user?: string }) => {
        const id = await userIdOf(session, options.user);
        const revoked = await call(
          session,
          session.client.DELETE('/v1/users/{id}/tokens/{tokenId}', { params: { path: { id, tokenId } } }),
        );
        if (session.output.json) session.output.data(revoked);
        else session.output.print(`revoked ${revoked.id} (${revoked.name})`);
        return 0;
      }),
    );
}
