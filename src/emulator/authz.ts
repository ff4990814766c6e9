import type { Permission } from "./permissions.js";
import { isInstanceRole, permissionsOf } from "./permissions.js";
import type { Store, User } from "./store.js";
import { errors } from "./zitadel-error.js";

/** Who is calling and in which organization the call acts. */
export interface CallContext {
  readonly user: User;
  /** The context organization: x-zitadel-orgid, or the caller's own organization. */
  readonly orgId: string;
}

/**
 * ZITADEL's authorization, in its order: the auth header, the token, the
 * organization header, then (unless any authenticated user may call) the
 * caller's memberships in the context organization and the permission.
 */
export function authorize(store: Store, header: Headers, permission: Permission | "authenticated", now: number = Date.now()): CallContext {
  const user = authenticate(store, header, now);
  const orgId = header.get("x-zitadel-orgid") || user.orgId;
  if (permission !== "authenticated") requirePermission(store, user, orgId, permission, errors.permissionMissing);
  return { user, orgId };
}

/**
 * The first steps of every call: the auth header, the token, and the
 * organization header, which must name an active organization when sent
 * (also on v2, where it no longer selects anything). Returns the caller.
 */
export function authenticate(store: Store, header: Headers, now: number = Date.now()): User {
  // Both headers hold their first value only (see first-header-values.ts).
  const auth = header.get("authorization");
  if (!auth) throw errors.authHeaderMissing();
  // ZITADEL splits the value on "Bearer ", which must occur exactly once, anywhere.
  const parts = auth.split("Bearer ");
  if (parts.length !== 2) throw errors.authHeaderInvalid();
  const token = parts[1]!;
  const grant = token === "" ? undefined : store.tokens.get(token);
  const user = grant && store.users.get(grant.userId);
  if (!grant || !user || (grant.expiresAt !== undefined && grant.expiresAt <= now)) {
    throw errors.tokenInvalid();
  }
  const orgHeader = header.get("x-zitadel-orgid");
  if (orgHeader && !store.activeOrg(orgHeader)) throw errors.orgMissingForHeader();
  return user;
}

/** The caller's roles that apply in an organization: its memberships there and its instance-level roles. */
function rolesIn(store: Store, user: User, orgId: string): string[] {
  return store.memberships
    .filter((m) => m.userId === user.id && (m.orgId === orgId || m.orgId === undefined))
    .flatMap((m) => m.roles.filter((r) => m.orgId !== undefined || isInstanceRole(r)));
}

/**
 * The permission in an organization, or an error: no role there (nor at
 * instance level) is AUTHZ-cdgFk, roles without it are `missing` (v1's
 * AUTH-5mWD2, v2's AUTH-AWfge).
 */
export function requirePermission(store: Store, user: User, orgId: string, permission: Permission, missing: () => Error): void {
  const roles = rolesIn(store, user, orgId);
  if (roles.length === 0) throw errors.membershipNotFound();
  if (!roles.some((r) => permissionsOf(r).includes(permission))) throw missing();
}

/** Whether the caller holds the permission in an organization (for reads that filter instead of failing). */
export function hasPermission(store: Store, user: User, orgId: string, permission: Permission): boolean {
  return rolesIn(store, user, orgId).some((r) => permissionsOf(r).includes(permission));
}
