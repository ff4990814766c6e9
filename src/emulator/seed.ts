import { createHash, randomBytes } from "node:crypto";
import { rolePermissions, isInstanceRole } from "./permissions.js";
import type { Store } from "./store.js";

/** The people and organizations an emulator starts with. */
export interface EmulatorSeed {
  orgs: SeedOrg[];
  users: SeedUser[];
}

export interface SeedOrg {
  name: string;
  /** Defaults to a stable id derived from the name. */
  id?: string;
}

export interface SeedUser {
  userName: string;
  /** Name of the organization the user belongs to. */
  org: string;
  /** IAM_* roles apply instance-wide; the others apply in the user's own organization. */
  roles?: string[];
  /** Roles in other organizations, by organization name. */
  memberships?: { org: string; roles: string[] }[];
  /** Defaults to a stable id derived from the user name. */
  id?: string;
  /** A fixed personal access token; defaults to a random one per start. */
  token?: string;
}

/** The default seed of DESIGN.md. */
export const defaultSeed: EmulatorSeed = {
  orgs: [{ name: "acme" }, { name: "globex" }],
  users: [
    { userName: "iam-admin", org: "acme", roles: ["IAM_OWNER"] },
    { userName: "acme-admin", org: "acme", roles: ["ORG_OWNER"] },
    { userName: "alice", org: "acme", roles: [] },
    { userName: "globex-admin", org: "globex", roles: ["ORG_OWNER"] },
    { userName: "bob", org: "globex", roles: [] },
  ],
};

/** What the ready line and startEmulator() report about the seeded state. */
export interface SeededOrg {
  id: string;
  name: string;
}

export interface SeededUser {
  id: string;
  userName: string;
  orgId: string;
  roles: string[];
  /** A personal access token of this user. Treat it as a secret outside tests. */
  token: string;
}

/** ZITADEL ids are 18-digit decimal strings; ours are stable per name so examples stay valid. */
export function stableId(kind: string, name: string): string {
  const digest = createHash("sha256").update(`${kind}:${name}`).digest();
  return (200000000000000000n + (digest.readBigUInt64BE(0) % 100000000000000000n)).toString();
}

/** Fills the store; throws an error naming the bad entry when the seed is inconsistent. */
export function applySeed(store: Store, seed: EmulatorSeed): { orgs: SeededOrg[]; users: SeededUser[] } {
  if (!Array.isArray(seed.orgs) || !Array.isArray(seed.users)) {
    throw new Error('seed: expected {"orgs": [...], "users": [...]}');
  }
  const orgIds = new Map<string, string>();
  const orgs = seed.orgs.map((o, i) => {
    if (typeof o.name !== "string" || !o.name) throw new Error(`seed: orgs[${i}] needs a "name"`);
    if (orgIds.has(o.name)) throw new Error(`seed: orgs[${i}]: the name "${o.name}" is used twice`);
    const id = o.id ?? stableId("org", o.name);
    orgIds.set(o.name, id);
    store.addOrg(id, o.name);
    return { id, name: o.name };
  });
  const orgIdOf = (name: string, where: string) => {
    const id = orgIds.get(name);
    if (!id) throw new Error(`seed: ${where}: no organization named "${name}" (known: ${[...orgIds.keys()].join(", ")})`);
    return id;
  };
  const checkRoles = (roles: string[], where: string) => {
    for (const r of roles) {
      if (!(r in rolePermissions)) {
        throw new Error(`seed: ${where}: unknown role "${r}" (known: ${Object.keys(rolePermissions).join(", ")})`);
      }
    }
  };
  const userNames = new Set<string>();
  const users = seed.users.map((u, i) => {
    const where = `users[${i}]`;
    if (typeof u.userName !== "string" || !u.userName) throw new Error(`seed: ${where} needs a "userName"`);
    if (userNames.has(u.userName)) throw new Error(`seed: ${where}: the userName "${u.userName}" is used twice`);
    userNames.add(u.userName);
    const orgId = orgIdOf(u.org, where);
    const roles = u.roles ?? [];
    checkRoles(roles, where);
    const id = u.id ?? stableId("user", u.userName);
    store.addUser(id, u.userName, orgId);
    const instanceRoles = roles.filter(isInstanceRole);
    const orgRoles = roles.filter((r) => !isInstanceRole(r));
    if (instanceRoles.length) store.addMembership({ userId: id, orgId: undefined, roles: instanceRoles });
    if (orgRoles.length) store.addMembership({ userId: id, orgId, roles: orgRoles });
    for (const m of u.memberships ?? []) {
      checkRoles(m.roles, `${where}.memberships`);
      store.addMembership({ userId: id, orgId: orgIdOf(m.org, `${where}.memberships`), roles: m.roles });
    }
    const token = u.token ?? randomBytes(30).toString("base64url");
    store.tokens.set(token, { userId: id });
    return { id, userName: u.userName, orgId, roles, token };
  });
  return { orgs, users };
}
