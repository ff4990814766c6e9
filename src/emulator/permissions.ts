/** The permissions the metadata RPCs check. */
export type Permission = "user.read" | "user.write" | "org.read" | "org.write";

const all: Permission[] = ["user.read", "user.write", "org.read", "org.write"];
const viewer: Permission[] = ["user.read", "org.read"];
const userManager: Permission[] = ["user.read", "user.write", "org.read"];
const settingsManager: Permission[] = ["org.read", "org.write"];

/**
 * What each role grants, as far as metadata is concerned (ZITADEL.md,
 * "Headers"). Roles starting with IAM_ are instance-wide; the others apply in
 * the organization of the membership.
 */
export const rolePermissions: Readonly<Record<string, readonly Permission[]>> = {
  IAM_OWNER: all,
  IAM_OWNER_VIEWER: viewer,
  IAM_ORG_MANAGER: all,
  IAM_USER_MANAGER: userManager,
  ORG_OWNER: all,
  ORG_OWNER_VIEWER: viewer,
  ORG_USER_MANAGER: userManager,
  ORG_USER_VIEWER: viewer,
  ORG_SETTINGS_MANAGER: settingsManager,
};

export function isInstanceRole(role: string): boolean {
  return role.startsWith("IAM_");
}
