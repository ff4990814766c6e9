// Every ```ts block of README.md is type-checked against the package as a
// user gets it ("zitadel-metadata" resolves to this package's own build through
// its exports map), and every block not marked `<!-- snippet: fragment -->`
// is run against the emulator, with the effects it documents asserted.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/emulator/index.js";
import { startEmulator } from "../src/emulator/index.js";
import { accessToken, createMetadataClient, createZitadelTransport } from "../src/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
// At the root, outside tsconfig.json's include, and inside the package, so "zitadel-metadata" resolves to it.
const workDir = join(root, ".readme-snippets");

interface Snippet {
  /** The heading the block stands under. */
  section: string;
  /** README line of the block's first code line. */
  line: number;
  code: string;
  fragment: boolean;
}

function readmeSnippets(): Snippet[] {
  const lines = readFileSync(join(root, "README.md"), "utf8").split("\n");
  const snippets: Snippet[] = [];
  let section = "";
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    if (text.startsWith("#")) section = text.replace(/^#+\s*/, "");
    if (text !== "```ts") continue;
    const end = lines.indexOf("```", i + 1);
    const marker = lines[i - 1]?.match(/^<!-- snippet: (\w+) -->$/)?.[1];
    if (marker !== undefined && marker !== "fragment") throw new Error(`README.md line ${i}: unknown snippet marker "${marker}" (only "fragment" exists)`);
    snippets.push({ section, line: i + 2, code: lines.slice(i + 1, end).join("\n"), fragment: marker === "fragment" });
    i = end;
  }
  return snippets;
}

/**
 * The names blocks use without defining them: the reader's own values. When a
 * block runs, .readme-snippets/globals.mjs defines them from the emulator.
 */
const preludeTypes = `import type { Auth, MetadataClient } from "zitadel-metadata";
import type { Transport } from "@connectrpc/connect";
declare global {
  var userId: string;        // a user in your organization (the emulator's alice)
  var otherUserId: string;   // a user in another organization (bob, in globex)
  var newUserId: string;     // a second user in your organization (acme-bot)
  var orgId: string;         // an organization id (acme)
  var selfUserId: string;    // the caller's own user id
  var baseUrl: string;       // your instance, e.g. https://acme.zitadel.cloud
  var auth: Auth;
  var session: { accessToken: string };
  var log: { info(message: string): void; warn(message: string): void };
  var transport: Transport;
  var md: MetadataClient;
}
export {};
`;

const preludeValues = `import { accessToken, createMetadataClient, createZitadelTransport } from "zitadel-metadata";
const env = process.env;
globalThis.userId = env.SNIPPET_USER_ID;
globalThis.otherUserId = env.SNIPPET_OTHER_USER_ID;
globalThis.newUserId = env.SNIPPET_NEW_USER_ID;
globalThis.orgId = env.SNIPPET_ORG_ID;
globalThis.selfUserId = env.SNIPPET_SELF_USER_ID;
globalThis.baseUrl = env.SNIPPET_URL;
globalThis.auth = accessToken(env.ZITADEL_TOKEN);
globalThis.session = { accessToken: env.ZITADEL_TOKEN };
globalThis.log = { info: (m) => console.log(m), warn: (m) => console.log(m) };
globalThis.transport = createZitadelTransport({ baseUrl: env.SNIPPET_URL, protocol: "grpc", auth: globalThis.auth });
globalThis.md = createMetadataClient(globalThis.transport);
`;

/** Whether a file awaits outside any function: `await x` or `for await` at module level. */
function awaitsAtTopLevel(source: ts.SourceFile): boolean {
  const visit = (node: ts.Node): boolean => {
    if (ts.isFunctionLike(node)) return false;
    if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier !== undefined)) return true;
    return ts.forEachChild(node, visit) ?? false;
  };
  return visit(source);
}

const fileOf = (index: number) => `block-${String(index).padStart(2, "0")}.ts`;

describe("README ts blocks", () => {
  const snippets = readmeSnippets();
  let emulator: Emulator;

  beforeAll(async () => {
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    writeFileSync(join(workDir, "prelude.d.ts"), preludeTypes);
    writeFileSync(join(workDir, "globals.mjs"), preludeValues);
    snippets.forEach((s, i) => writeFileSync(join(workDir, fileOf(i)), `${s.code}\n`));
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it("finds the blocks and keeps fragments few", () => {
    expect(snippets.length).toBeGreaterThanOrEqual(10);
    expect(snippets.filter((s) => s.fragment).length).toBeLessThanOrEqual(3);
    expect(snippets[0]?.section).toBe("Quick start: the high-level API");
  });

  it('every block that imports and awaits at the top level says first that it is an ES module ("type": "module"), or which block it continues', () => {
    // A CommonJS file (a .ts in a package without "type": "module", under module node16/nodenext) cannot use
    // top-level await; a reader pasting such a block needs to know before tsc or node tells them.
    const unsaid = snippets
      .filter((s) => {
        const source = ts.createSourceFile("block.ts", s.code, ts.ScriptTarget.ES2022, true);
        return source.statements.some(ts.isImportDeclaration) && awaitsAtTopLevel(source);
      })
      // A block that continues another (the quick start's "// continues the quick start") inherits what that one says.
      .filter((s) => !/^\/\/ (An ES module\b|continues )/.test(s.code.split("\n")[0] ?? ""))
      .map((s) => `README.md:${s.line} (${s.section})`);
    expect(unsaid).toEqual([]);
    // The check itself: it sees top-level await, and not an await inside a function.
    const probe = (code: string) => awaitsAtTopLevel(ts.createSourceFile("p.ts", code, ts.ScriptTarget.ES2022, true));
    expect([probe("const a = await f();"), probe("for await (const x of y) {}"), probe("async function g() { await f(); }")]).toEqual([true, true, false]);
  });

  it("every block type-checks against the package's own typings", () => {
    const files = [join(workDir, "prelude.d.ts"), ...snippets.map((_, i) => join(workDir, fileOf(i)))];
    const program = ts.createProgram(files, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ["node"],
      lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      if (!d.file) return text;
      const index = snippets.findIndex((_, i) => d.file!.fileName.endsWith(fileOf(i)));
      const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
      const snippet = snippets[index];
      return snippet ? `README.md:${snippet.line + line} (${snippet.section}): ${text}` : `${d.file.fileName}:${line + 1}: ${text}`;
    });
    expect(problems).toEqual([]);
  }, 120_000);

  /** Runs block i as the reader would (an ES module, on the built package), against the emulator. */
  function run(section: string, containing = ""): Promise<{ code: number; stdout: string; stderr: string }> {
    const index = snippets.findIndex((s) => s.section === section && !s.fragment && s.code.includes(containing));
    if (index < 0) throw new Error(`README.md has no runnable ts block under "${section}"`);
    // The placeholder convention: the README's instance URL and org ids stand for the emulator's.
    const code = snippets[index]!.code.replaceAll("https://acme.zitadel.cloud", emulator.url)
      .replaceAll("69629023906488334", emulator.org("acme").id)
      .replaceAll("71234567890123456", emulator.org("globex").id);
    const file = join(workDir, `run-${fileOf(index)}`);
    writeFileSync(file, `${code}\n`);
    const env = {
      PATH: process.env.PATH ?? "",
      ZITADEL_TOKEN: emulator.user("iam-admin").token!,
      SNIPPET_URL: emulator.url,
      SNIPPET_USER_ID: emulator.user("alice").id,
      SNIPPET_OTHER_USER_ID: emulator.user("bob").id,
      SNIPPET_NEW_USER_ID: emulator.user("acme-bot").id,
      SNIPPET_ORG_ID: emulator.org("acme").id,
      SNIPPET_SELF_USER_ID: emulator.user("iam-admin").id,
    };
    return new Promise((resolve) => {
      execFile(process.execPath, ["--import", "tsx", "--import", "./globals.mjs", file], { cwd: workDir, env, timeout: 90_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  const admin = () =>
    createMetadataClient(createZitadelTransport({ baseUrl: emulator.url, protocol: "grpc", auth: accessToken(emulator.user("iam-admin").token!) }));

  it("the quick start runs and leaves what it says", async () => {
    await admin().org(emulator.org("acme").id).set("feature.search", "on");
    const res = await run("Quick start: the high-level API", "createZitadelTransport");
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^pro 3 \S+/);
    expect(lines[1]).toBe("{ theme: 'dark' }");
    expect(lines).toContain("feature.search on");
    const alice = await admin().user(emulator.user("alice").id).list().toObject();
    expect(Object.fromEntries(Object.entries(alice).map(([k, e]) => [k, e.text()]))).toEqual({ plan: "pro", prefs: '{"theme":"dark"}' });
    const globex = await admin().org(emulator.org("globex").id).list().toObject();
    expect(Object.keys(globex)).toEqual(["b"]);
  }, 120_000);

  it("the error predicates block runs (a write that succeeds takes no branch)", async () => {
    await admin()
      .user(emulator.user("alice").id)
      .remove("k")
      .catch(() => undefined);
    const res = await run("Quick start: the high-level API", "isUserNotFound");
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect((await admin().user(emulator.user("alice").id).get("k"))?.text()).toBe("v");
  }, 120_000);

  it("the generated clients block writes through ManagementService", async () => {
    await admin().user(emulator.user("alice").id).remove("plan");
    await admin()
      .user(emulator.user("bob").id)
      .set("plan", "free", { orgId: emulator.org("globex").id }); // the key its other-org read asks for
    const res = await run("The generated clients, from a backend service (gRPC, a PAT, an org)");
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect((await admin().user(emulator.user("alice").id).get("plan"))?.text()).toBe("pro");
  }, 120_000);

  it("the interceptor on your own transport writes to the default org", async () => {
    const res = await run("Put the interceptor on your own transport");
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect((await admin().org(emulator.org("acme").id).get("transport"))?.text()).toBe("my own");
  }, 120_000);

  it("the browser block reads the caller's own metadata over grpc-web", async () => {
    const self = emulator.user("iam-admin");
    await createMetadataClient(createZitadelTransport({ baseUrl: emulator.url, protocol: "grpc", auth: accessToken(self.token!) }))
      .user(self.id)
      .set("own.key", "x");
    const res = await run("Use it from a browser app (gRPC-web)");
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe("[ 'own.key' ]");
  }, 120_000);

  it("the copy block copies one user's metadata to another byte for byte", async () => {
    const alice = admin().user(emulator.user("alice").id);
    await alice.setMany({ "copy.text": "t", "copy.bytes": new Uint8Array([0, 255, 1]) });
    const res = await run("Copying metadata, and what `get()` cannot tell");
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const source = await alice.list().toObject();
    const copy = await admin().user(emulator.user("acme-bot").id).list().toObject();
    expect(Object.keys(copy).sort()).toEqual(Object.keys(source).sort());
    for (const [key, entry] of Object.entries(source)) expect(Buffer.from(copy[key]!.value), key).toEqual(Buffer.from(entry.value));
  }, 120_000);

  it("the v1-or-v2 block writes atomically on v2", async () => {
    await admin().org(emulator.org("acme").id).set("trial", "yes");
    const res = await run("v1 or v2");
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const acme = await admin().org(emulator.org("acme").id).list().toObject();
    expect(acme.tier?.text()).toBe("gold");
    expect(acme.trial).toBeUndefined();
  }, 120_000);

  it("the in-process emulator block starts its own emulator", async () => {
    const res = await run("The emulator");
    expect(res.stderr).toBe("");
    expect(res.stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:\d+ true$/);
  }, 120_000);

  it("the faults block prints the fault counts", async () => {
    const res = await run("Faults: an emulator that fails like production");
    expect(res.stderr).toBe("");
    expect(res.stdout).toMatch(/requests: 0/);
  }, 120_000);
});
