import { readFile } from "node:fs/promises";
import type { EmulatorSeed } from "../emulator/index.js";
import type { JsonSchema } from "./json-schema.js";
import { checkSchema, schemaProblems } from "./json-schema.js";
import { readPackageFile } from "./package-file.js";

export type SeedFileResult = { ok: true; seed: EmulatorSeed } | { ok: false; errorMessage: string };

/** Where the package ships the seed file's JSON Schema (package.json "files" lists schema/). */
export const seedSchemaPath = "schema/emulator-seed.schema.json";

let seedSchema: JsonSchema | undefined;

/** The seed file's JSON Schema, read from the package once and checked to be within what our validator understands. */
export function loadSeedSchema(): JsonSchema {
  if (seedSchema === undefined) {
    const schema = JSON.parse(readPackageFile(seedSchemaPath)) as JsonSchema;
    checkSchema(schema);
    seedSchema = schema;
  }
  return seedSchema;
}

/**
 * Reads a seed file and checks it against schema/emulator-seed.schema.json.
 * The emulator itself checks the meaning (known orgs, unique names); the
 * schema catches what JSON alone lets through, such as a misspelt field that
 * would otherwise be ignored and leave a user without the roles or token the
 * author meant to give. A top-level "$schema" (for editors) is dropped.
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
  const problems = seedProblems(json);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""})` : "";
    return bad(path, `${problems[0]}${more}`);
  }
  const { $schema: _editorsOnly, ...seed } = json as EmulatorSeed & { $schema?: string };
  return { ok: true, seed };
}

function bad(path: string, problem: string): { ok: false; errorMessage: string } {
  return { ok: false, errorMessage: `seed file "${path}": ${problem}` };
}

/** Everything the seed schema finds wrong with `json`, each naming its place (`users[2].roles[0]: …`); empty when it fits. */
export function seedProblems(json: unknown): string[] {
  return schemaProblems(loadSeedSchema(), json);
}
