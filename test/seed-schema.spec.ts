// The seed file's JSON Schema (schema/emulator-seed.schema.json): it is one
// our validator fully understands, it says what the TypeScript EmulatorSeed
// says (read from the sources with TypeScript's checker, field by field), its
// roles are the emulator's, every example seed we show validates, and a bad
// seed gets an error naming the place in the file.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonSchema } from "../src/cli/json-schema.js";
import { checkSchema, schemaProblems } from "../src/cli/json-schema.js";
import { loadSeedSchema, seedProblems, seedSchemaPath } from "../src/cli/seed-file.js";
import { usage } from "../src/cli/usage.js";
import type { EmulatorSeed } from "../src/emulator/index.js";
import { startEmulator } from "../src/emulator/index.js";
import { isKnownRole, rolePermissions } from "../src/emulator/permissions.js";
import { defaultSeed } from "../src/emulator/seed.js";
import { assertBuilt, bin, cleanEnv, lines, root, zmetaCli } from "./support/zmeta.js";

const schema = loadSeedSchema();
const def = (name: string): JsonSchema => ({ $defs: schema.$defs, ...schema.$defs![name]! });

describe("the seed schema", () => {
  it("uses only what our validator understands", () => {
    expect(() => checkSchema(JSON.parse(readFileSync(join(root, seedSchemaPath), "utf8")) as JsonSchema)).not.toThrow();
    // And the validator refuses what it would not check, rather than passing it.
    expect(() => checkSchema({ type: "number", minimum: 1 } as JsonSchema)).toThrow('keyword "minimum" is not supported');
    expect(() => checkSchema({ $ref: "#/$defs/none" })).toThrow('$ref "#/$defs/none" does not name an entry of $defs');
    expect(() => checkSchema({ additionalProperties: true } as unknown as JsonSchema)).toThrow('only "additionalProperties": false');
    expect(() => checkSchema({ type: "object", properties: {}, required: ["x"] })).toThrow('required "x" is not among its properties');
  });

  it("lists the emulator's roles, and accepts a role exactly when the emulator does", () => {
    const anyOf = def("role").anyOf!;
    expect(anyOf[0]!.enum).toEqual(Object.keys(rolePermissions));
    const samples = [
      ...Object.keys(rolePermissions),
      "SYSTEM_API",
      "IAM_X_IMPERSONATOR",
      "KING",
      "ORG_USER_VIEWER",
      "system_owner",
      "SYSTEM_",
      "_IMPERSONATOR",
      "",
    ];
    for (const role of samples) expect(schemaProblems(def("role"), role).length === 0, role).toBe(isKnownRole(role));
  });

  it("validates the default seed, the schema's own examples, README's example seeds and the one in `zmeta emulator --help`", () => {
    expect(seedProblems(defaultSeed)).toEqual([]);
    for (const example of schema.examples ?? []) expect(seedProblems(example)).toEqual([]);
    for (const name of Object.keys(schema.$defs!)) {
      for (const example of def(name).examples ?? []) expect(schemaProblems(def(name), example), name).toEqual([]);
    }
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const readmeSeeds = [...readme.matchAll(/```json\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .filter((text) => /"orgs"/.test(text) && !/"url"/.test(text))
      .map((text) => JSON.parse(text) as unknown);
    expect(readmeSeeds.length).toBeGreaterThan(0);
    for (const seed of readmeSeeds) expect(seedProblems(seed)).toEqual([]);
    const help = usage("emulator");
    const fromHelp = /e\.g\.\n((?:\s+[{"].*\n)+)/.exec(help)?.[1];
    expect(fromHelp, "zmeta emulator --help shows an example seed after --seed").toBeDefined();
    expect(seedProblems(JSON.parse(fromHelp!))).toEqual([]);
  });

  it("README's example seeds start an emulator as they say", async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    for (const [, text] of readme.matchAll(/```json\n([\s\S]*?)```/g)) {
      if (!/"orgs"/.test(text!) || /"url"/.test(text!)) continue;
      const { $schema: _forEditors, ...seed } = JSON.parse(text!) as EmulatorSeed & { $schema?: string };
      const emulator = await startEmulator({ seed });
      try {
        const ready = emulator.readyInfo();
        expect(ready.users.map((u) => u.userName)).toEqual(seed.users.map((u) => u.userName));
        for (const u of seed.users) if (u.token) expect(emulator.user(u.userName).token).toBe(u.token);
      } finally {
        await emulator.close();
      }
    }
  });

  it("has the fields of the TypeScript EmulatorSeed, each optional exactly when the type's is", () => {
    const program = ts.createProgram([join(root, "src", "emulator", "index.ts")], { strict: true, noEmit: true });
    const checker = program.getTypeChecker();
    const entry = checker.getSymbolAtLocation(program.getSourceFile(join(root, "src", "emulator", "index.ts"))!)!;
    const exported = checker.getExportsOfModule(entry).find((s) => s.name === "EmulatorSeed")!;
    const seedType = checker.getDeclaredTypeOfSymbol(checker.getAliasedSymbol(exported));
    const mismatches: string[] = [];
    const resolve = (node: JsonSchema) => (node.$ref ? schema.$defs![node.$ref.replace("#/$defs/", "")]! : node);

    const compare = (type: ts.Type, node: JsonSchema, at: string): void => {
      node = resolve(node);
      if (type.isUnion()) {
        // boolean is the union true | false; an optional field adds undefined.
        const parts = type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined));
        const bools = parts.filter((t) => t.flags & ts.TypeFlags.BooleanLiteral);
        const others = parts.filter((t) => !(t.flags & ts.TypeFlags.BooleanLiteral));
        const branches = [...(bools.length === 2 ? ["boolean" as const] : []), ...others];
        if (branches.length === 1) {
          if (branches[0] === "boolean") {
            if (node.type !== "boolean") mismatches.push(`${at}: TypeScript boolean, schema ${JSON.stringify(node.type)}`);
          } else compare(branches[0]!, node, at);
          return;
        }
        const options = (node.anyOf ?? []).map(resolve);
        if (options.length !== branches.length) {
          mismatches.push(`${at}: TypeScript has ${branches.length} alternatives, the schema ${options.length}`);
          return;
        }
        branches.forEach((branch, i) => {
          if (branch === "boolean") {
            if (!options.some((o) => o.type === "boolean")) mismatches.push(`${at}: the schema's anyOf lacks boolean`);
          } else compare(branch, options.find((o) => o.type === "object") ?? options[i]!, `${at}|${i}`);
        });
        return;
      }
      if (type.flags & ts.TypeFlags.String) {
        if (node.type !== "string") mismatches.push(`${at}: TypeScript string, schema ${JSON.stringify(node.type)}`);
        return;
      }
      if (checker.isArrayType(type)) {
        if (node.type !== "array" || node.items === undefined) mismatches.push(`${at}: TypeScript array, schema ${JSON.stringify(node.type)}`);
        else compare(checker.getTypeArguments(type as ts.TypeReference)[0]!, node.items, `${at}[]`);
        return;
      }
      if (type.flags & ts.TypeFlags.Object) {
        if (node.type !== "object" || node.additionalProperties !== false) {
          mismatches.push(`${at}: TypeScript object, schema ${JSON.stringify(node.type)} (and additionalProperties must be false)`);
          return;
        }
        const props = checker.getPropertiesOfType(type);
        // "$schema" is for editors only and is dropped by the CLI before the seed reaches the emulator.
        const schemaNames = Object.keys(node.properties ?? {}).filter((n) => !(at === "EmulatorSeed" && n === "$schema"));
        expect(schemaNames.sort(), at).toEqual(props.map((p) => p.name).sort());
        const required = props.filter((p) => !(p.flags & ts.SymbolFlags.Optional)).map((p) => p.name);
        expect([...(node.required ?? [])].sort(), `${at}: required`).toEqual(required.sort());
        for (const p of props) {
          const sub = node.properties?.[p.name];
          if (sub) compare(checker.getTypeOfSymbol(p), sub, `${at}.${p.name}`);
          if (sub && !resolve(sub).description && !sub.description) mismatches.push(`${at}.${p.name}: no description in the schema`);
        }
        return;
      }
      mismatches.push(`${at}: TypeScript type ${checker.typeToString(type)} is not one the schema test knows`);
    };
    compare(seedType, schema, "EmulatorSeed");
    expect(mismatches).toEqual([]);
  });
});

describe("a bad seed", () => {
  it.each([
    [[], 'expected an emulator seed (an object such as {"orgs":[{"name":"acme"}],'],
    [{ orgs: [] }, 'missing "users", as in {"orgs":'],
    [{ orgs: [], users: [], extra: 1 }, 'unknown field "extra" (allowed: "$schema", "orgs", "users")'],
    [{ orgs: ["acme"], users: [] }, 'orgs[0]: expected an organization (an object such as {"name":"acme"}), got "acme"'],
    [{ orgs: [{ name: "" }], users: [] }, "orgs[0].name: must not be empty"],
    [{ orgs: [], users: [{ username: "x", org: "acme" }] }, 'users[0]: unknown field "username" (did you mean "userName"?)'],
    [{ orgs: [], users: [{ org: "acme" }] }, 'users[0]: missing "userName", as in {"userName":"alice","org":"acme","roles":[]}'],
    [
      {
        orgs: [],
        users: [
          { userName: "a", org: "acme" },
          { userName: "b", org: "acme" },
          { userName: "c", org: "acme", roles: ["IAM_OWNER", "FOO"] },
        ],
      },
      'users[2].roles[1]: "FOO" is not a role; use one of IAM_OWNER, IAM_ORG_MANAGER, ORG_OWNER,',
    ],
    [{ orgs: [], users: [{ userName: "a", org: "acme", roles: "IAM_OWNER" }] }, 'users[0].roles: expected an array such as ["ORG_OWNER"], got "IAM_OWNER"'],
    [
      { orgs: [], users: [{ userName: "a", org: "acme", machine: "yes" }] },
      'users[0].machine: expected true or false, or machine settings (an object such as {"clientSecret":"dev-secret"}), got "yes"',
    ],
    [{ orgs: [], users: [{ userName: "a", org: "acme", machine: { clientSecret: 3 } }] }, "users[0].machine.clientSecret: expected a string, got 3"],
    [
      { orgs: [], users: [{ userName: "a", org: "acme", memberships: [{ org: "g" }] }] },
      'users[0].memberships[0]: missing "roles", as in {"org":"globex","roles":["ORG_OWNER_VIEWER"]}',
    ],
    [
      { orgs: [], users: [{ userName: "a", org: "acme", memberships: [{ org: "g", roles: ["KING"] }] }] },
      'users[0].memberships[0].roles[0]: "KING" is not a role; use one of',
    ],
  ])("%j: %s", (seed, expected) => {
    const problems = seedProblems(seed);
    expect(problems[0]).toContain(expected);
  });

  it("lists every problem, not only the first", () => {
    expect(seedProblems({ orgs: [{ name: "" }], users: [{ userName: "a", org: "acme", roles: ["FOO"], token: "" }] })).toEqual([
      "orgs[0].name: must not be empty",
      expect.stringMatching(/^users\[0\]\.roles\[0\]: "FOO" is not a role; use one of IAM_OWNER, .* or a value matching \^SYSTEM_\[A-Z_\]\+\$/),
      "users[0].token: must not be empty",
    ]);
  });
});

describe("zmeta emulator --seed, validated against the schema", () => {
  const { zmeta, killRunning } = zmetaCli({ timeoutMs: 60_000 });
  let dir: string;
  beforeAll(async () => {
    assertBuilt();
    dir = await mkdtemp(join(tmpdir(), "zmeta-seed-schema-"));
  });
  afterAll(async () => {
    killRunning();
    await rm(dir, { recursive: true, force: true });
  });

  it("fails in one line naming the file, the place in it and the count of further problems", async () => {
    const file = join(dir, "bad.json");
    await writeFile(
      file,
      JSON.stringify({
        orgs: [{ name: "acme" }],
        users: [
          { userName: "a", org: "acme" },
          { userName: "b", org: "acme", roles: ["FOO"], token: "" },
        ],
      }),
    );
    const res = await zmeta(["emulator", "--port", "0", "--seed", file]);
    expect(res.code).toBe(2);
    expect(res.out).toBe("");
    expect(lines(res.stderr)).toHaveLength(1);
    expect(res.stderr).toMatch(
      new RegExp(
        `^zmeta emulator: seed file "${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}": users\\[1\\]\\.roles\\[0\\]: "FOO" is not a role; use one of IAM_OWNER,`,
      ),
    );
    expect(res.stderr).toContain("(and 1 more problem)");
  });

  it('starts from a valid seed that names the schema for editors, and leaves the "$schema" out', async () => {
    const file = join(dir, "good.json");
    const seed = {
      $schema: `../${seedSchemaPath}`,
      orgs: [{ name: "initech" }],
      users: [{ userName: "peter", org: "initech", roles: ["ORG_OWNER"], token: "fixed-token-1" }],
    };
    await writeFile(file, JSON.stringify(seed));
    const child = spawn(process.execPath, [bin, "emulator", "--port", "0", "--seed", file], { cwd: root, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`zmeta emulator exited with ${code} before it was ready: ${stderr}`)));
      });
      expect(JSON.parse(line)).toMatchObject({ orgs: [{ name: "initech" }], users: [{ userName: "peter", roles: ["ORG_OWNER"], token: "fixed-token-1" }] });
    } finally {
      child.kill("SIGTERM");
    }
  });
});
