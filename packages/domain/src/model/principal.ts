/** Who is asking. Permissions are `{kind}:read`, `{kind}:write`, `{kind}:transition` or `admin`. */
export interface Principal {
  id: string;
  permissions: readonly string[];
}

export function hasPermission(principal: Principal, permission: string): boolean {
  return principal.permissions.includes('admin') || principal.permissions.includes(permission);
}
