// The package as users get it: `npm pack`, then `npm install <tarball>` into a
// new project outside this checkout, then require() from CommonJS, import from
// ESM, tsc with moduleResolution node16 and bundler (and a browser project
// without Node's types), a browser bundle of the bare specifier, and the zmeta
// bin; v1 and v2 (the generated v2 clients, createMetadataClient with
// { api: "v2" } from the main, web and quick entries) against the packed
// emulator. Tests the build in dist/ (`npm test` builds it first).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { bundleForBrowser } from "./support/browser-bundle.js";
import { cleanEnv, developedPeerVersions, npmInstall, packPackage, peerNames, root, run, succeed, tsc } from "./support/packed-package.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** The end of every consumer script: run main() against its emulator, print its result as JSON, exit 1 on failure. */
const printMainResult = `main().then(
  (result) => console.log(JSON.stringify(result)),
  (e) => {
    console.error(e);
    process.exitCode = 1;
  },
);
`;

// What a consumer does with each entry, against an emulator of its own. The
// machine user's key file makes the service-account path (jose, ESM-only,
// loaded by require() through Node's require(esm)) run in both formats.
const consumerBody = (load: string) => `${load}
async function main() {
  const emulator = await startEmulator();
  try {
    const alice = emulator.user("alice").id;
    const grpc = md.createZitadelTransport({
      baseUrl: emulator.url,
      protocol: "grpc",
      auth: md.serviceAccountKey(emulator.user("acme-bot").keyFile),
    });
    const client = md.createMetadataClient(grpc);
    await client.user(alice).set("plan", new Uint8Array([0xff, 0x00, 0x80]));
    const entry = await client.user(alice).get("plan");
    const missing = await client.user(alice).get("nope");
    let notFound;
    try {
      await md.createManagementClient(grpc).getUserMetadata({ id: alice, key: "nope" });
    } catch (e) {
      notFound = { id: md.getErrorDetail(e)?.id, isMetadataNotFound: md.isMetadataNotFound(e) };
    }
    const rest = web.createZitadelTransport({ baseUrl: emulator.url, protocol: "rest", auth: emulator.user("acme-admin").token });
    const viaWeb = await web.createMetadataClient(rest).user(alice).get("plan");
    const viaQuick = await quick.createMetadataClient({ baseUrl: emulator.url, protocol: "grpc-web", auth: emulator.user("acme-admin").token }).user(alice).get("plan");
    return {
      resolved,
      value: Array.from(entry.value),
      missing: missing === undefined,
      notFound,
      viaWeb: Array.from(viaWeb.value),
      viaQuick: Array.from(viaQuick.value),
    };
  } finally {
    await emulator.close();
  }
}
${printMainResult}`;

const consumerCjs = consumerBody(`"use strict";
const md = require("zitadel-metadata");
const web = require("zitadel-metadata/web");
const quick = require("zitadel-metadata/quick");
const { startEmulator } = require("zitadel-metadata/emulator");
const resolved = ["zitadel-metadata", "zitadel-metadata/web", "zitadel-metadata/quick", "zitadel-metadata/emulator"].map((s) => require.resolve(s));`);

const consumerMjs = consumerBody(`import * as md from "zitadel-metadata";
import * as web from "zitadel-metadata/web";
import * as quick from "zitadel-metadata/quick";
import { startEmulator } from "zitadel-metadata/emulator";
const resolved = ["zitadel-metadata", "zitadel-metadata/web", "zitadel-metadata/quick", "zitadel-metadata/emulator"].map((s) => import.meta.resolve(s));`);

// v2 from the package: the generated v2 clients on a Connect transport, and
// the high-level API with { api: "v2", orgId } over every protocol (set, get,
// apply, list, org()), read back through v1 from the same emulator; the quick
// entry and the web entry the same way. Timestamps and bigints are reduced to
// what JSON can carry.
const v2ConsumerBody = (load: string) => `${load}
async function main() {
  const emulator = await startEmulator();
  try {
    const alice = emulator.user("alice").id;
    const acme = emulator.org("acme").id;
    const admin = emulator.user("acme-admin").token;
    const enc = (s) => new TextEncoder().encode(s);
    const dec = (b) => new TextDecoder().decode(b);
    const connect = md.createZitadelTransport({ baseUrl: emulator.url, protocol: "connect", auth: admin });

    const users = md.createUserServiceV2Client(connect);
    const set = await users.setUserMetadata({ userId: alice, metadata: [{ key: "gen.user", value: new Uint8Array([1, 0, 255]) }] });
    const listed = await users.listUserMetadata({ userId: alice, filters: [{ filter: { case: "keyFilter", value: { key: "gen.user" } } }] });
    let deleteMissing;
    try {
      await users.deleteUserMetadata({ userId: alice, keys: ["gen.user", "gen.absent"] });
    } catch (e) {
      deleteMissing = { id: md.getErrorDetail(e)?.id, isMetadataNotFound: md.isMetadataNotFound(e), code: md.ZitadelError.from(e).code };
    }
    const orgs = md.createOrganizationServiceV2Client(connect);
    await orgs.setOrganizationMetadata({ organizationId: acme, metadata: [{ key: "gen.org", value: enc("v2") }] });
    const orgsBeta = md.createOrganizationServiceV2betaClient(connect);
    const betaList = await orgsBeta.listOrganizationMetadata({ organizationId: acme, filter: [{ query: { case: "keyQuery", value: { key: "gen.org" } } }] });
    const betaDeleted = await orgsBeta.deleteOrganizationMetadata({ organizationId: acme, keys: ["gen.org"] });
    const generated = {
      setDate: typeof set.setDate?.seconds,
      listed: listed.metadata.map((m) => [m.key, Array.from(m.value)]),
      total: String(listed.pagination?.totalResult),
      deleteMissing,
      orgBeta: betaList.metadata.map((m) => [m.key, dec(m.value)]),
      orgBetaDeleted: betaDeleted.deletionDate !== undefined,
    };

    const v1 = md.createMetadataClient(md.createZitadelTransport({ baseUrl: emulator.url, protocol: "grpc", auth: admin }));
    const highLevel = {};
    for (const protocol of ["connect", "grpc", "grpc-web", "rest"]) {
      const client = md.createMetadataClient(md.createZitadelTransport({ baseUrl: emulator.url, protocol, auth: admin }), { api: "v2", orgId: acme });
      const key = "v2." + protocol;
      const written = await client.user(alice).set(key, new Uint8Array([255, 0, 128]));
      const got = await client.user(alice).get(key);
      const applied = await client.user(alice).apply({ set: { [key + ".json"]: md.json({ protocol }) }, remove: [key] });
      const listedAfter = await client.user(alice).list({ prefix: key }).toArray();
      await client.org().set(key, protocol);
      highLevel[protocol] = {
        api: client.api,
        value: Array.from(got.value),
        details: { sequence: got.details.sequence, resourceOwner: got.details.resourceOwner, changeDate: got.details.changeDate instanceof Date, written: written.details.changeDate instanceof Date },
        applied: { requests: applied.requests, atomic: applied.atomic, set: applied.set, removed: applied.removed },
        listedAfter: listedAfter.map((e) => [e.key, e.text()]),
        gone: (await client.user(alice).get(key)) === undefined,
        org: (await client.org().get(key)).text(),
        v1User: (await v1.user(alice).get(key + ".json")).json(),
        v1Org: (await v1.org().get(key)).text(),
      };
    }

    const me = await md.createMetadataClient(md.createZitadelTransport({ baseUrl: emulator.url, protocol: "connect", auth: emulator.user("alice").token }), { api: "v2", selfUserId: alice }).me().get("v2.connect.json");
    let missingOrgId;
    try {
      md.createMetadataClient(connect, { api: "v2" }).org();
    } catch (e) {
      missingOrgId = { isConfigError: e instanceof md.ZitadelConfigError, code: e.code, option: e.option };
    }

    const q = quick.createMetadataClient({ baseUrl: emulator.url, protocol: "connect", auth: admin, orgId: acme }, { api: "v2" });
    await q.org().set("quick", "from quick");
    await q.user(alice).apply({ set: { "quick.a": "1", "quick.b": "2" } });
    const viaWeb = web.createMetadataClient(web.createZitadelTransport({ baseUrl: emulator.url, protocol: "connect", auth: admin }), { api: "v2", orgId: acme });
    const webUsers = web.createUserServiceV2Client(web.createZitadelConnectTransport({ baseUrl: emulator.url, auth: admin }));
    return {
      resolved,
      generated,
      highLevel,
      me: me?.json(),
      missingOrgId,
      quick: {
        api: q.api,
        org: (await q.org().get("quick")).text(),
        v1Org: (await v1.org().get("quick")).text(),
        user: Object.fromEntries((await q.user(alice).list({ prefix: "quick." }).toArray()).map((e) => [e.key, e.text()]).sort()),
      },
      web: {
        org: (await viaWeb.org().get("quick")).text(),
        total: String((await webUsers.listUserMetadata({ userId: alice })).pagination?.totalResult),
      },
    };
  } finally {
    await emulator.close();
  }
}
${printMainResult}`;

const v2ConsumerCjs = v2ConsumerBody(`"use strict";
const md = require("zitadel-metadata");
const web = require("zitadel-metadata/web");
const quick = require("zitadel-metadata/quick");
const { startEmulator } = require("zitadel-metadata/emulator");
const resolved = ["zitadel-metadata", "zitadel-metadata/web", "zitadel-metadata/quick", "zitadel-metadata/emulator"].map((s) => require.resolve(s));`);

const v2ConsumerMjs = v2ConsumerBody(`import * as md from "zitadel-metadata";
import * as web from "zitadel-metadata/web";
import * as quick from "zitadel-metadata/quick";
import { startEmulator } from "zitadel-metadata/emulator";
const resolved = ["zitadel-metadata", "zitadel-metadata/web", "zitadel-metadata/quick", "zitadel-metadata/emulator"].map((s) => import.meta.resolve(s));`);

// One app, both builds: A's withOrgId on B's transport, B's errors seen by A's
// ZitadelError and predicates, B's json() written through A.
const mixedBody = (load: string) => `${load}
async function main() {
  const emulator = await startEmulator();
  try {
    const globex = emulator.org("globex").id;
    const asGlobexAdmin = b.createZitadelTransport({ baseUrl: emulator.url, protocol: "grpc", auth: emulator.user("globex-admin").token });
    await b.createManagementClient(asGlobexAdmin).setOrgMetadata({ key: "where", value: new TextEncoder().encode("globex") });
    const asIamAdmin = b.createZitadelTransport({ baseUrl: emulator.url, protocol: "grpc", auth: emulator.user("iam-admin").token });
    const got = await b.createManagementClient(asIamAdmin).getOrgMetadata({ key: "where" }, { contextValues: a.withOrgId(globex) });
    const err = await b.createMetadataClient(asIamAdmin).org().remove("absent").then(() => undefined, (e) => e);
    await a.createMetadataClient(asIamAdmin).org().set("prefs", b.json({ theme: "dark" }));
    const prefs = await a.createMetadataClient(asIamAdmin).org().get("prefs");
    // An entry read through B is a value for A: its bytes are copied.
    await a.createMetadataClient(asIamAdmin).org().setMany({ copied: await b.createMetadataClient(asIamAdmin).org().get("prefs") });
    const copied = await a.createMetadataClient(asIamAdmin).org().get("copied");
    return {
      orgOfCall: new TextDecoder().decode(got.metadata.value),
      errorIsA: err instanceof a.ZitadelError,
      errorIsB: err instanceof b.ZitadelError,
      plainErrorIsA: new Error("x") instanceof a.ZitadelError,
      notFound: a.isMetadataNotFound(err),
      prefs: prefs.text(),
      copied: copied.text(),
    };
  } finally {
    await emulator.close();
  }
}
${printMainResult}`;

const mixedCjsFirst = mixedBody(`"use strict";
const a = require("zitadel-metadata");
const { startEmulator } = require("zitadel-metadata/emulator");
let b;
const ready = import("zitadel-metadata").then((m) => (b = m));
const run = main;
main = async () => (await ready, run());`);

const mixedEsmFirst = mixedBody(`import { createRequire } from "node:module";
import * as a from "zitadel-metadata";
import { startEmulator } from "zitadel-metadata/emulator";
const b = createRequire(import.meta.url)("zitadel-metadata");`);

// Type-checks against the installed .d.ts files. The @ts-expect-error lines
// fail if the types are missing or any: they must reject these calls.
const typeUse = `import type { Emulator } from "zitadel-metadata/emulator";
import { startEmulator } from "zitadel-metadata/emulator";
import type { ApplyResult, MetadataApiName, MetadataClient, MetadataClientOptions, UserServiceV2Client, ZitadelRestTransportOptions, ZitadelTransportOptions } from "zitadel-metadata";
import { accessToken, createManagementClient, createMetadataClient, createZitadelTransport, getErrorDetail, withOrgId, ZitadelError } from "zitadel-metadata";
import { createOrganizationServiceV2betaClient, createOrganizationServiceV2Client, createUserServiceV2Client } from "zitadel-metadata";
import * as quick from "zitadel-metadata/quick";
import * as web from "zitadel-metadata/web";

const options: ZitadelTransportOptions = { baseUrl: "http://127.0.0.1:8080", protocol: "grpc", auth: accessToken("pat") };
export const md: MetadataClient = createMetadataClient(createZitadelTransport(options));
// @ts-expect-error auth is required
createZitadelTransport({ baseUrl: "http://127.0.0.1:8080", protocol: "grpc" });
// @ts-expect-error browsers cannot speak gRPC
web.createZitadelTransport({ baseUrl: "http://127.0.0.1:8080", protocol: "grpc", auth: "pat" });
// The per-protocol option types come from connect's own: REST takes Node's connection options, ...
export const rest: ZitadelRestTransportOptions = { baseUrl: "https://acme.zitadel.cloud", protocol: "rest", auth: "pat", httpVersion: "2", nodeOptions: { ca: "PEM" }, pingIntervalMs: 1000 };
// @ts-expect-error ... but not the binary format,
export const restBinary: ZitadelRestTransportOptions = { baseUrl: "https://acme.zitadel.cloud", protocol: "rest", auth: "pat", binaryOptions: {} };
// @ts-expect-error ... and the HTTP/2 settings only with httpVersion "2";
export const restPing: ZitadelRestTransportOptions = { baseUrl: "https://acme.zitadel.cloud", protocol: "rest", auth: "pat", httpVersion: "1.1", pingIntervalMs: 1000 };
// @ts-expect-error useHttpGet is an option of the Connect protocol only
web.createZitadelGrpcWebTransport({ baseUrl: "https://acme.zitadel.cloud", auth: "pat", useHttpGet: true });
web.createZitadelConnectTransport({ baseUrl: "https://acme.zitadel.cloud", auth: "pat", useHttpGet: true, credentials: "include" });

export async function use(emulator: Emulator): Promise<string | undefined> {
  const mgmt = createManagementClient(web.createZitadelTransport({ baseUrl: emulator.url, protocol: "grpc-web", auth: "pat" }));
  const res = await mgmt.getUserMetadata({ id: "1", key: "plan" }, { contextValues: withOrgId(emulator.org("acme").id) });
  const value: Uint8Array | undefined = res.metadata?.value;
  const entry = await md.user(emulator.user("alice").id).get("plan", { orgId: emulator.org("acme").id });
  // @ts-expect-error ids are strings
  md.user(42);
  return (entry?.text() ?? String(value?.length)) + getErrorDetail(new Error())?.id + (ZitadelError.from(new Error()).id ?? "");
}
export const start: () => Promise<Emulator> = () => startEmulator();

// v2: the options, the generated clients' message types, and quick's v2 form.
const connect = createZitadelTransport({ baseUrl: "http://127.0.0.1:8080", protocol: "connect", auth: "pat" });
const v2Options: MetadataClientOptions = { api: "v2", orgId: "1", selfUserId: "2" };
export const v2: MetadataClient = createMetadataClient(connect, v2Options);
export const apiName: MetadataApiName = v2.api;
// @ts-expect-error there is no api "v3"
createMetadataClient(connect, { api: "v3" });
// @ts-expect-error orgId is a string
createMetadataClient(connect, { api: "v2", orgId: 1 });
export const quickV2: MetadataClient = quick.createMetadataClient({ baseUrl: "http://127.0.0.1:8080", protocol: "connect", auth: "pat", orgId: "1" }, { api: "v2" });

export async function useV2(): Promise<[bigint | undefined, Uint8Array | undefined, bigint | undefined, ApplyResult]> {
  const users: UserServiceV2Client = createUserServiceV2Client(connect);
  const res = await users.listUserMetadata({ userId: "1", pagination: { limit: 10 }, filters: [{ filter: { case: "keyFilter", value: { key: "plan" } } }] });
  // @ts-expect-error v2 rows carry dates, not v1's details
  void res.metadata[0]?.details;
  await createOrganizationServiceV2Client(connect).setOrganizationMetadata({ organizationId: "1", metadata: [{ key: "k", value: new Uint8Array() }] });
  // @ts-expect-error v2beta's List takes "filter" (v2: "filters")
  await createOrganizationServiceV2betaClient(connect).listOrganizationMetadata({ organizationId: "1", filters: [] });
  const applied: ApplyResult = await v2.user("1").apply({ set: { a: "b", c: new Uint8Array([1]) }, remove: ["d"] });
  return [res.pagination?.totalResult, res.metadata[0]?.value, applied.details?.sequence, applied];
}
`;

// A browser app: no Node types at all. "zitadel-metadata" must resolve to the
// browser entry through the "browser" condition, as bundlers resolve it.
const browserTypeUse = `import { createMetadataClient, createZitadelTransport } from "zitadel-metadata";
import * as quick from "zitadel-metadata/quick";
import * as web from "zitadel-metadata/web";

export const md = createMetadataClient(createZitadelTransport({ baseUrl: "https://acme.zitadel.cloud", protocol: "grpc-web", auth: async () => "pat" }));
// @ts-expect-error the browser build has no gRPC (the "browser" condition chose web.d.ts)
createZitadelTransport({ baseUrl: "https://acme.zitadel.cloud", protocol: "grpc", auth: "pat" });
export const same: typeof web.createZitadelTransport = createZitadelTransport;
// v2 over Connect, which is what a browser app talks to ZITADEL v2 with.
export const v2 = createMetadataClient(createZitadelTransport({ baseUrl: "https://acme.zitadel.cloud", protocol: "connect", auth: "pat" }), { api: "v2", orgId: "1" });
export const quickV2 = quick.createMetadataClient({ baseUrl: "https://acme.zitadel.cloud", protocol: "connect", auth: "pat", orgId: "1" }, { api: "v2" });
export const users = web.createUserServiceV2Client(web.createZitadelConnectTransport({ baseUrl: "https://acme.zitadel.cloud", auth: "pat" }));
`;

const strict = { strict: true, noEmit: true, skipLibCheck: false, target: "es2022", lib: ["es2022", "dom", "dom.iterable"] };
const tsconfigs = (nodeTypes: string) => ({
  "tsconfig.node16.json": {
    compilerOptions: { ...strict, module: "node16", moduleResolution: "node16", types: ["node"], typeRoots: [nodeTypes] },
    files: ["check-cjs.cts", "check-esm.mts"],
  },
  "tsconfig.bundler.json": {
    compilerOptions: { ...strict, module: "esnext", moduleResolution: "bundler", types: ["node"], typeRoots: [nodeTypes] },
    files: ["check-bundler.ts"],
  },
  "tsconfig.browser.json": {
    compilerOptions: { ...strict, module: "esnext", moduleResolution: "bundler", customConditions: ["browser"], types: [] },
    files: ["check-browser.ts"],
  },
});

describe("the packed package, installed into a new project", () => {
  let dir: string;
  let app: string;
  let packedFiles: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "zmeta-package-"));
    const packed = await packPackage(dir);
    packedFiles = packed.files;
    app = join(dir, "app");
    await mkdir(app);
    await writeFile(join(app, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
    // The dependencies usually come from npm's cache (npm ci filled it); the registry only when they do not.
    // The peers at the versions we develop on (the version matrix tries the newest); -web is an optional peer, so npm would skip it.
    await npmInstall(app, [packed.tarball, ...peerNames.map((n) => `${n}@${developedPeerVersions()[n]}`)], {
      what: "install the packed package",
      extra: ["--no-package-lock"],
    });
    const files: Record<string, string> = {
      "consumer.cjs": consumerCjs,
      "consumer.mjs": consumerMjs,
      "consumer-v2.cjs": v2ConsumerCjs,
      "consumer-v2.mjs": v2ConsumerMjs,
      "mixed.cjs": mixedCjsFirst,
      "mixed.mjs": mixedEsmFirst,
      "check-cjs.cts": typeUse,
      "check-esm.mts": typeUse,
      "check-bundler.ts": typeUse,
      "check-browser.ts": browserTypeUse,
      "browser-app.js": `import { createZitadelTransport } from "zitadel-metadata";\nimport * as web from "zitadel-metadata/web";\nconsole.log(createZitadelTransport, web);\n`,
    };
    for (const [name, config] of Object.entries(tsconfigs(join(root, "node_modules", "@types")))) files[name] = JSON.stringify(config);
    await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(app, name), text)));
  }, 180_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("ships both builds, their types and the bin; no sources, tests or source maps", () => {
    for (const file of [
      "package.json",
      "LICENSE",
      "README.md",
      "CHANGELOG.md",
      "schema/emulator-seed.schema.json",
      "bin/zmeta.js",
      "dist/esm/src/index.js",
      "dist/esm/src/index.d.ts",
      "dist/esm/src/cli/main.js",
      "dist/cjs/package.json",
      "dist/cjs/src/index.js",
      "dist/cjs/src/index.d.ts",
      "dist/cjs/src/web.d.ts",
      "dist/cjs/src/emulator/index.d.ts",
    ]) {
      expect(packedFiles).toContain(file);
    }
    expect(packedFiles.filter((f) => /^(src|test|scratch|bench|scripts|gen)\//.test(f) || f.endsWith(".map") || f.includes(".cjs-staging"))).toEqual([]);
  });

  it("ships the protos as a buf module's files: every .proto of proto/ and its README; not the breaking-change baselines", async () => {
    const protos = (await readdir(join(root, "proto"), { recursive: true })).filter((f) => f.endsWith(".proto")).map((f) => `proto/${f.split("\\").join("/")}`);
    expect(protos.length).toBeGreaterThan(10);
    expect(packedFiles.filter((f) => f.startsWith("proto/")).sort()).toEqual(["proto/README.md", ...protos].sort());
    expect(packedFiles.filter((f) => f.startsWith("proto-baseline/") || f.endsWith(".binpb"))).toEqual([]);
  });

  const expectWorkingConsumer = (stdout: string, format: "cjs" | "esm") => {
    const result = JSON.parse(stdout) as Record<string, unknown> & { resolved: string[] };
    expect(result.resolved).toHaveLength(4);
    for (const path of result.resolved) expect(path).toMatch(new RegExp(`node_modules/zitadel-metadata/dist/${format}/src/`));
    expect(result).toMatchObject({
      value: [0xff, 0x00, 0x80],
      missing: true,
      notFound: { id: "QUERY-Rgh32", isMetadataNotFound: true },
      viaWeb: [0xff, 0x00, 0x80],
      viaQuick: [0xff, 0x00, 0x80],
    });
  };

  it.each([
    ["CommonJS first, the ESM build imported beside it", "mixed.cjs"],
    ["ESM first, the CommonJS build required beside it", "mixed.mjs"],
  ])("both builds in one app (%s): withOrgId, instanceof ZitadelError, the predicates and json() work across them", async (_name, file) => {
    expect(JSON.parse(await succeed(process.execPath, [file], app))).toEqual({
      orgOfCall: "globex",
      errorIsA: true,
      errorIsB: true,
      plainErrorIsA: false,
      notFound: true,
      prefs: '{"theme":"dark"}',
      copied: '{"theme":"dark"}',
    });
  });

  it("require() from CommonJS: every entry, the emulator, a service-account key (jose) and both transports", async () => {
    expectWorkingConsumer(await succeed(process.execPath, ["consumer.cjs"], app), "cjs");
  });

  it("require() works without require(esm), as on Node 20 before 20.19: jose is loaded with import() only when used", async () => {
    expectWorkingConsumer(await succeed(process.execPath, ["--no-experimental-require-module", "consumer.cjs"], app), "cjs");
  });

  it("import from ESM: the same", async () => {
    expectWorkingConsumer(await succeed(process.execPath, ["consumer.mjs"], app), "esm");
  });

  const expectWorkingV2Consumer = (stdout: string, format: "cjs" | "esm") => {
    const result = JSON.parse(stdout) as Record<string, unknown> & { resolved: string[] };
    for (const path of result.resolved) expect(path).toMatch(new RegExp(`node_modules/zitadel-metadata/dist/${format}/src/`));
    expect(result.generated).toEqual({
      setDate: "bigint",
      listed: [["gen.user", [1, 0, 255]]],
      total: "1",
      deleteMissing: { id: "META-2nnds", isMetadataNotFound: true, code: 5 },
      orgBeta: [["gen.org", "v2"]],
      orgBetaDeleted: true,
    });
    const highLevel = result.highLevel as Record<string, unknown>;
    expect(Object.keys(highLevel)).toEqual(["connect", "grpc", "grpc-web", "rest"]);
    for (const [protocol, outcome] of Object.entries(highLevel)) {
      expect(outcome, protocol).toEqual({
        api: "v2",
        value: [255, 0, 128],
        // v2 sends no sequence and no resource owner (JSON drops the undefined ones); writes give a change date.
        details: { changeDate: true, written: true },
        // One atomic request: the key to remove travels as an empty value.
        applied: { requests: 1, atomic: true, set: 1, removed: 1 },
        listedAfter: [[`v2.${protocol}.json`, JSON.stringify({ protocol })]],
        gone: true,
        org: protocol,
        v1User: { protocol },
        v1Org: protocol,
      });
    }
    expect(result).toMatchObject({
      me: { protocol: "connect" },
      missingOrgId: { isConfigError: true, code: "ERR_MISSING_OPTION", option: "orgId" },
      quick: { api: "v2", org: "from quick", v1Org: "from quick", user: { "quick.a": "1", "quick.b": "2" } },
      // gen.user (its delete failed whole), four v2.<protocol>.json and two quick.* keys.
      web: { org: "from quick", total: "7" },
    });
  };

  it('v2 from CommonJS: the generated v2 clients, createMetadataClient(transport, { api: "v2", orgId }) over all four protocols, quick and web', async () => {
    expectWorkingV2Consumer(await succeed(process.execPath, ["consumer-v2.cjs"], app), "cjs");
  });

  it("v2 from ESM: the same", async () => {
    expectWorkingV2Consumer(await succeed(process.execPath, ["consumer-v2.mjs"], app), "esm");
  });

  it("type-checks with moduleResolution node16, from a .cts and an .mts file", async () => {
    await succeed(process.execPath, [tsc, "-p", "tsconfig.node16.json"], app);
  });

  it("type-checks with moduleResolution bundler", async () => {
    await succeed(process.execPath, [tsc, "-p", "tsconfig.bundler.json"], app);
  });

  it("type-checks in a browser project without Node's types, the bare specifier resolving to the browser entry", async () => {
    await succeed(process.execPath, [tsc, "-p", "tsconfig.browser.json"], app);
  });

  it("bundles for the browser: the bare specifier takes the browser condition, no Node built-in is reached", async () => {
    const { inputs, nodeBuiltinImports } = await bundleForBrowser(join(app, "browser-app.js"), { absWorkingDir: app });
    expect(nodeBuiltinImports).toEqual([]);
    expect(inputs).toContain("node_modules/zitadel-metadata/dist/esm/src/web.js");
    expect(inputs).not.toContain("node_modules/zitadel-metadata/dist/esm/src/index.js");
  });

  it("installs the zmeta bin, which runs the CLI from the package", async () => {
    const zmeta = join(app, "node_modules", ".bin", process.platform === "win32" ? "zmeta.cmd" : "zmeta");
    const help = await run(zmeta, ["--help"], app);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^zmeta - ZITADEL metadata/);
    const version = await run(zmeta, ["--version"], app);
    expect([version.code, version.stdout]).toEqual([0, `${JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version}\n`]);

    const child = spawn(zmeta, ["emulator", "--port", "0"], { cwd: app, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`zmeta emulator exited with ${code} before it was ready`)));
      });
      expect(JSON.parse(line)).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    } finally {
      child.kill("SIGTERM");
    }
  });
});
