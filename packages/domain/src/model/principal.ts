/**
 * Who is asking. `id` is the user's name, the actor on every record it causes (`admin` for the
 * first admin, as before users existed). Permissions are `{kind}:read`, `{kind}:write`,
 * `{kind}:transition`, `setting:read-secret`, `user:admin` or `admin`.
 */
export interface Principal {
  id: string;
  permissions: readonly string[];
  /** The user resource's id, when the caller is a user (always, once users exist). */
  userId?: string;
  /** The API token the request came with. */
  tokenId?: string;
}

/** `admin` holds everything; `user:admin` holds every permission on the user kind. */
export function hasPermission(principal: Principal, permission: string): boolean {
  const held = principal.permissions;
  if (held.includes('admin') || held.includes(permission)) return true;
  return permission.startsWith('user:') && held.includes('user:admin');
}
