import { createHash, generateKeyPair, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { isInstanceRole, isKnownRole, rolePermissions } from "./permissions.js";
import type { Store } from "./store.js";
import { ZitadelConfigError } from "../core/config-error.js";

/** The people and organizations an emulator starts with. */
export interface EmulatorSeed {
  /** The organizations, each name used once; users name theirs by it. */
  orgs: SeedOrg[];
  /** The users (human or machine), each userName used once, each in one of `orgs`. */
  users: SeedUser[];
}

/** An organization of an {@link EmulatorSeed}. */
export interface SeedOrg {
  /** Its name, unique in the seed: how users, memberships and `emulator.org(name)` refer to it. */
  name: string;
  /** Defaults to a stable id derived from the name. */
  id?: string;
}

/** A user of an {@link EmulatorSeed}: a human one, or a machine user with `machine`. */
export interface SeedUser {
  /**
   * Its user name, unique in the seed: how `emulator.user(name)` finds it,
   * and a machine user's client id for client credentials.
   */
  userName: string;
  /** Name of the organization the user belongs to. */
  org: string;
  /** IAM_* roles apply instance-wide; the others apply in the user's own organization. */
  roles?: string[];
  /** Roles in other organizations, by organization name. */
  memberships?: {
    /** Name of the organization (one of the seed's `orgs`). */
    org: string;
    /** ZITADEL role names held there, e.g. "ORG_USER_MANAGER"; an unknown name fails the start. */
    roles: string[];
  }[];
  /** Defaults to a stable id derived from the user name. */
  id?: string;
  /** A fixed personal access token; defaults to a random one per start. */
  token?: string;
  /**
   * A machine user (service account): it gets a key file for the JWT profile
   * grant and a client secret for client credentials. `true`, or an object
   * that fixes the client secret.
   */
  machine?: boolean | SeedMachine;
}

/** The settings of a machine user in a seed (`machine: { ... }`). */
export interface SeedMachine {
  /** A fixed client secret; defaults to a random one per start. */
  clientSecret?: string;
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
    { userName: "acme-bot", org: "acme", roles: ["ORG_OWNER"], machine: true },
  ],
};

/** What the ready line and startEmulator() report about the seeded state. */
export interface SeededOrg {
  /** Its id: the seed's `id`, else an 18-digit decimal string derived from the name (the same on every start). */
  id: string;
  /** Its name, as in the seed. */
  name: string;
}

/** A user as the emulator started it: its id, organization, roles and credentials (one entry of the ready line's "users"). */
export interface SeededUser {
  /** Its id: the seed's `id`, else an 18-digit decimal string derived from the user name (the same on every start). */
  id: string;
  /** Its user name, as in the seed. */
  userName: string;
  /** The id of the organization it belongs to. */
  orgId: string;
  /** Its roles as the seed gives them (IAM_* instance-wide, the others in its own organization); not those of `memberships`. */
  roles: string[];
  /** A personal access token of this user. Treat it as a secret outside tests. */
  token: string;
  /** Machine users: the path of their service account key file (JSON, as ZITADEL hands it out). */
  keyFile?: string;
  /** Machine users: the client id for client credentials (the user name, as in ZITADEL). */
  clientId?: string;
  /** Machine users: the client secret for client credentials. */
  clientSecret?: string;
}

export interface ApplySeedOptions {
  /** Where machine users' key files are written; needed only when the seed has machine users. */
  keyDir?: string;
  /** Told of each key file once it is written, so a failed start can remove what it wrote. */
  onKeyFile?: (path: string) => void;
}

/** ZITADEL ids are 18-digit decimal strings; ours are stable per name so examples stay valid. */
export function stableId(kind: string, name: string): string {
  const digest = createHash("sha256").update(`${kind}:${name}`).digest();
  return (200000000000000000n + (digest.readBigUInt64BE(0) % 100000000000000000n)).toString();
}

/**
 * Fills the store and writes machine users' key files; throws an error naming
 * the bad entry when the seed is inconsistent.
 */
export async function applySeed(store: Store, seed: EmulatorSeed, options: ApplySeedOptions = {}): Promise<{ orgs: SeededOrg[]; users: SeededUser[] }> {
  if (!Array.isArray(seed.orgs) || !Array.isArray(seed.users)) {
    throw seedError('expected {"orgs": [...], "users": [...]}');
  }
  const orgIds = new Map<string, string>();
  const orgs = seed.orgs.map((o, i) => {
    if (typeof o.name !== "string" || !o.name) throw seedError(`orgs[${i}] needs a "name"`);
    if (orgIds.has(o.name)) throw seedError(`orgs[${i}]: the name "${o.name}" is used twice`);
    const id = o.id ?? stableId("org", o.name);
    orgIds.set(o.name, id);
    store.addOrg(id, o.name);
    return { id, name: o.name };
  });
  const orgIdOf = (name: string, where: string) => {
    const id = orgIds.get(name);
    if (!id) throw seedError(`${where}: no organization named "${name}" (known: ${[...orgIds.keys()].join(", ")})`);
    return id;
  };
  const checkRoles = (roles: string[], where: string) => {
    for (const r of roles) {
      if (!isKnownRole(r)) {
        throw seedError(`${where}: unknown role "${r}" (known: ${Object.keys(rolePermissions).join(", ")}, and any other SYSTEM_* or *_IMPERSONATOR role)`);
      }
    }
  };
  const userNames = new Set<string>();
  const users = seed.users.map((u, i) => {
    const where = `users[${i}]`;
    if (typeof u.userName !== "string" || !u.userName) throw seedError(`${where} needs a "userName"`);
    if (userNames.has(u.userName)) throw seedError(`${where}: the userName "${u.userName}" is used twice`);
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
    const seeded: SeededUser = { id, userName: u.userName, orgId, roles, token };
    if (u.machine !== undefined && u.machine !== false) {
      const fixed = typeof u.machine === "object" && u.machine !== null ? u.machine.clientSecret : undefined;
      if (fixed !== undefined && (typeof fixed !== "string" || fixed === "")) {
        throw seedError(`${where}.machine.clientSecret must be a non-empty string`);
      }
      const clientSecret = fixed ?? randomBytes(32).toString("base64url");
      store.clients.set(u.userName, { clientId: u.userName, userId: id, clientSecret });
      // keyFile is filled in once the key is written; listed first so the ready line reads in that order.
      Object.assign(seeded, { keyFile: "", clientId: u.userName, clientSecret });
    }
    return seeded;
  });
  const machines = users.filter((u) => u.clientId !== undefined);
  if (machines.length > 0 && options.keyDir === undefined) throw seedError("machine users need a directory for their key files");
  // Generated in parallel off the main thread: RSA key generation takes a while.
  await Promise.all(machines.map((u) => issueMachineKey(store, u, options.keyDir!, options.onKeyFile)));
  return { orgs, users };
}

const generateRsaKeyPair = promisify(generateKeyPair);

/**
 * Gives a machine user a new RSA key, as ZITADEL's "add key" does: the public
 * half is registered, the private half is written to a key file of
 * ZITADEL's format (readable by the owner only), whose path goes on the user.
 */
async function issueMachineKey(store: Store, user: SeededUser, keyDir: string, onKeyFile: ((path: string) => void) | undefined): Promise<void> {
  const { publicKey, privateKey } = await generateRsaKeyPair("rsa", { modulusLength: 2048 });
  const keyId = randomDecimalId();
  store.machineKeys.set(keyId, { keyId, userId: user.id, publicKey });
  const keyFile = join(keyDir, `${user.userName.replace(/[^\w.-]/g, "_")}-${keyId}.json`);
  const content = {
    type: "serviceaccount",
    keyId,
    key: privateKey.export({ type: "pkcs1", format: "pem" }),
    expirationDate: "9999-01-01T00:00:00Z",
    userId: user.id,
  };
  onKeyFile?.(keyFile);
  await writeFile(keyFile, JSON.stringify(content), { mode: 0o600 });
  user.keyFile = keyFile;
}

/** An 18-digit decimal id, like ZITADEL's. */
function randomDecimalId(): string {
  return (100000000000000000n + (randomBytes(8).readBigUInt64BE(0) % 900000000000000000n)).toString();
}

/** A seed that cannot work: a ZitadelConfigError of option "seed", its message "seed: <problem>". */
function seedError(problem: string): ZitadelConfigError {
  return new ZitadelConfigError({ code: "ERR_INVALID_OPTION", option: "seed", entry: "seed", problem });
}
