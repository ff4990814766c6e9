/** The permissions the metadata RPCs check. */
export type Permission = "user.read" | "user.write" | "org.read" | "org.write";

const all: Permission[] = ["user.read", "user.write", "org.read", "org.write"];
const viewer: Permission[] = ["user.read", "org.read"];
const userManager: Permission[] = ["user.read", "user.write", "org.read"];
const settingsManager: Permission[] = ["org.read", "org.write"];
const none: Permission[] = [];

/**
 * What each of ZITADEL's built-in roles grants, as far as metadata is
 * concerned (ZITADEL.md, "Headers"). There is no ORG_USER_VIEWER. Roles
 * starting with IAM_ (and SYSTEM_) are instance-wide; ORG_* roles apply in
 * the organization of the membership.
 */
export const rolePermissions: Readonly<Record<string, readonly Permission[]>> = {
  IAM_OWNER: all,
  IAM_ORG_MANAGER: all,
  ORG_OWNER: all,
  IAM_USER_MANAGER: userManager,
  IAM_LOGIN_CLIENT: userManager,
  ORG_USER_MANAGER: userManager,
  IAM_OWNER_VIEWER: viewer,
  ORG_OWNER_VIEWER: viewer,
  ORG_USER_PERMISSION_EDITOR: viewer,
  ORG_PROJECT_PERMISSION_EDITOR: viewer,
  ORG_SETTINGS_MANAGER: settingsManager,
  // Built-in roles that hold none of the four.
  SYSTEM_OWNER: none,
  SYSTEM_OWNER_VIEWER: none,
  IAM_ADMIN_IMPERSONATOR: none,
  IAM_END_USER_IMPERSONATOR: none,
  ORG_ADMIN_IMPERSONATOR: none,
  ORG_END_USER_IMPERSONATOR: none,
  ORG_PROJECT_CREATOR: none,
  SELF_MANAGEMENT_GLOBAL: none,
  ORG_USER_SELF_MANAGER: none,
};

/** A role a seed may name: one of the table, or any other SYSTEM_* or *_IMPERSONATOR role (they grant nothing here). */
export function isKnownRole(role: string): boolean {
  return role in rolePermissions || /^SYSTEM_[A-Z_]+$/.test(role) || /^[A-Z_]+_IMPERSONATOR$/.test(role);
}

export function permissionsOf(role: string): readonly Permission[] {
  return rolePermissions[role] ?? none;
}

export function isInstanceRole(role: string): boolean {
  return role.startsWith("IAM_") || role.startsWith("SYSTEM_");
}
