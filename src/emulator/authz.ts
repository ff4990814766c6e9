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
export function authorize(
  store: Store,
  header: Headers,
  permission: Permission | "authenticated",
  now: number = Date.now(),
): CallContext {
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
  const orgId = orgHeader || user.orgId;
  if (permission !== "authenticated") {
    const roles = store.memberships
      .filter((m) => m.userId === user.id && (m.orgId === orgId || m.orgId === undefined))
      .flatMap((m) => m.roles.filter((r) => m.orgId !== undefined || isInstanceRole(r)));
    if (roles.length === 0) throw errors.membershipNotFound();
    if (!roles.some((r) => permissionsOf(r).includes(permission))) throw errors.permissionMissing();
  }
  return { user, orgId };
}
