import { readFile } from "node:fs/promises";
import type { EmulatorSeed, SeedOrg, SeedUser } from "../emulator/index.js";

export type SeedFileResult = { ok: true; seed: EmulatorSeed } | { ok: false; errorMessage: string };

/**
 * Reads a seed file and checks its shape. The emulator itself checks the
 * meaning (known orgs and roles, unique names); this catches what JSON alone
 * lets through, such as a misspelt field that would otherwise be ignored and
 * leave a user without the roles or token the author meant to give.
 */
export async function loadSeedFile(path: string): Promise<SeedFileResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (e as Error).message;
    return bad(path, `cannot read it: ${why}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return bad(path, `not valid JSON: ${(e as Error).message}`);
  }
  const problem = seedShapeProblem(json);
  return problem === undefined ? { ok: true, seed: json as EmulatorSeed } : bad(path, problem);
}

function bad(path: string, problem: string): { ok: false; errorMessage: string } {
  return { ok: false, errorMessage: `seed file "${path}": ${problem}` };
}

// Records over the seed interfaces' keys: a field added there fails the
// build here until this check learns about it, instead of being refused as unknown.
const orgFieldSet: Record<keyof SeedOrg, true> = { name: true, id: true };
const userFieldSet: Record<keyof SeedUser, true> = {
  userName: true,
  org: true,
  roles: true,
  memberships: true,
  id: true,
  token: true,
  machine: true,
};
const orgFields = Object.keys(orgFieldSet);
const userFields = Object.keys(userFieldSet);
const example = '{"orgs":[{"name":"acme"}],"users":[{"userName":"alice","org":"acme","roles":[]}]}';

/** The first thing wrong with the seed's shape, or undefined when it fits EmulatorSeed. */
export function seedShapeProblem(json: unknown): string | undefined {
  if (!isObject(json) || !Array.isArray(json.orgs) || !Array.isArray(json.users)) {
    return `expected an object with "orgs" and "users" arrays, such as ${example}`;
  }
  const extra = Object.keys(json).filter((k) => k !== "orgs" && k !== "users");
  if (extra.length > 0) return `unknown field "${extra[0]}" (allowed: "orgs", "users")`;
  for (const [i, org] of json.orgs.entries()) {
    const where = `orgs[${i}]`;
    if (!isObject(org)) return `${where} must be an object such as {"name":"acme"}`;
    const problem =
      unknownField(org, orgFields, where) ??
      requiredString(org, "name", where) ??
      optionalString(org, "id", where);
    if (problem) return problem;
  }
  for (const [i, user] of json.users.entries()) {
    const where = `users[${i}]`;
    if (!isObject(user)) return `${where} must be an object such as {"userName":"alice","org":"acme"}`;
    const problem =
      unknownField(user, userFields, where) ??
      requiredString(user, "userName", where) ??
      requiredString(user, "org", where) ??
      optionalString(user, "id", where) ??
      optionalString(user, "token", where) ??
      (user.roles === undefined ? undefined : stringArray(user.roles, `${where}.roles`)) ??
      machineProblem(user.machine, `${where}.machine`);
    if (problem) return problem;
    if (user.memberships !== undefined) {
      if (!Array.isArray(user.memberships)) return `${where}.memberships must be an array of {"org","roles"}`;
      for (const [j, m] of user.memberships.entries()) {
        const mWhere = `${where}.memberships[${j}]`;
        if (!isObject(m)) return `${mWhere} must be an object such as {"org":"globex","roles":["ORG_OWNER_VIEWER"]}`;
        const mProblem =
          unknownField(m, ["org", "roles"], mWhere) ??
          requiredString(m, "org", mWhere) ??
          (Array.isArray(m.roles) ? stringArray(m.roles, `${mWhere}.roles`) : `${mWhere}.roles must be an array of role names`);
        if (mProblem) return mProblem;
      }
    }
  }
  return undefined;
}

function machineProblem(machine: unknown, where: string): string | undefined {
  if (machine === undefined || typeof machine === "boolean") return undefined;
  if (!isObject(machine)) return `${where} must be true, false or {"clientSecret":"..."}`;
  return unknownField(machine, ["clientSecret"], where) ?? optionalString(machine, "clientSecret", where);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function unknownField(obj: Record<string, unknown>, allowed: readonly string[], where: string): string | undefined {
  const extra = Object.keys(obj).find((k) => !allowed.includes(k));
  return extra === undefined ? undefined : `${where}: unknown field "${extra}" (allowed: ${allowed.map((a) => `"${a}"`).join(", ")})`;
}

function requiredString(obj: Record<string, unknown>, field: string, where: string): string | undefined {
  const v = obj[field];
  return typeof v === "string" && v !== "" ? undefined : `${where} needs a non-empty string "${field}"`;
}

function optionalString(obj: Record<string, unknown>, field: string, where: string): string | undefined {
  const v = obj[field];
  return v === undefined || (typeof v === "string" && v !== "") ? undefined : `${where}: "${field}" must be a non-empty string`;
}

function stringArray(v: unknown, where: string): string | undefined {
  return Array.isArray(v) && v.every((r) => typeof r === "string") ? undefined : `${where} must be an array of role names`;
}
