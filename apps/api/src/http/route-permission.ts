import { hasPermission, type Principal } from '@slipway/domain';

/**
 * What a route needs of its caller, declared next to the route (`config.permission`). Checked
 * right after authentication, before the body is parsed or validated and before any read, so a
 * refusal tells nothing about what exists.
 */
export interface RoutePermission {
  /** `image:read`, `setting:read-secret`, `user:admin`, `admin`; `signed-in` for any caller with a valid token. */
  readonly permission: string;
  /**
   * The kind the route's `:id` names. A caller who may not read it gets the 404 a missing id
   * gets, whether or not the id exists; one who may read it but lacks `permission` gets 403.
   */
  readonly kind?: string;
  /** Also allowed when `:id` is the caller's own user id (its own tokens). */
  readonly self?: boolean;
  /** Why a `signed-in` route needs nothing more: who narrows what, shown in the OpenAPI document. */
  readonly note?: string;
}

export const SIGNED_IN = 'signed-in';

/** The permission a route of a kind needs, from the kind and what the route does to it. */
export function kindPermission(kind: string, verb: 'read' | 'write' | 'transition'): RoutePermission {
  return { permission: `${kind}:${verb}`, kind };
}

export function signedIn(note: string): RoutePermission {
  return { permission: SIGNED_IN, note };
}

export type Decision = 'allow' | 'not_found' | 'forbidden';

/** The one rule: may not read the kind → as if missing (404); may read but not do this → 403. */
export function decide(
  principal: Principal,
  route: RoutePermission,
  params: Readonly<Record<string, string | undefined>>,
): Decision {
  if (route.permission === SIGNED_IN || hasPermission(principal, route.permission)) return 'allow';
  if (route.self && principal.userId !== undefined && params.id === principal.userId) return 'allow';
  if (route.kind && params.id !== undefined && !hasPermission(principal, `${route.kind}:read`)) {
    return 'not_found';
  }
  return 'forbidden';
}

/** How the OpenAPI document says it: a sentence for the description. */
export function describePermission(route: RoutePermission): string {
  if (route.permission === SIGNED_IN) return `Needs a valid token; ${route.note ?? 'nothing more'}.`;
  const self = route.self ? ' (or the caller being the user named by the id)' : '';
  const hidden = route.kind
    ? ` Without \`${route.kind}:read\` an existing id answers 404 like a missing one.`
    : '';
  return `Needs \`${route.permission}\`${self}.${hidden}`;
}
