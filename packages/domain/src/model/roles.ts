import type { UserRole } from '../kinds/user-kind';

/**
 * What each role grants, given the installation's kinds. A viewer reads every kind, users
 * included, but no secret value; an operator also writes and moves every kind but user (who may
 * invite or suspend is `user:admin`'s business); admin holds everything.
 */
export function permissionsOfRoles(roles: readonly UserRole[], kindNames: readonly string[]): string[] {
  const held = new Set<string>();
  for (const role of roles) {
    if (role === 'admin') held.add('admin');
    for (const kind of kindNames) {
      held.add(`${kind}:read`);
      if (role !== 'viewer' && kind !== 'user') {
        held.add(`${kind}:write`);
        held.add(`${kind}:transition`);
      }
    }
  }
  return [...held].sort();
}

/** A user's permissions: its roles' bundles and its own grants. */
export function permissionsOfUser(
  spec: { roles: readonly UserRole[]; grants?: readonly string[] },
  kindNames: readonly string[],
): string[] {
  return [...new Set([...permissionsOfRoles(spec.roles, kindNames), ...(spec.grants ?? [])])].sort();
}
