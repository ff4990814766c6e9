// The `zmeta` command as users run it: the built bin/zmeta.js in a child
// process, talking over real sockets. `buf curl` plays an independent client,
// so the emulator is checked against a gRPC/gRPC-web/Connect implementation
// that shares no code with ours (Connect against `zmeta emulator --connect-v1`).
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import type { ConnectError } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorDetailSchema } from "../gen/zitadel/message_pb.js";
import type { Emulator } from "../src/emulator/index.js";
import { createManagementClient, createZitadelTransport } from "../src/index.js";
import type { Run } from "./support/zmeta.js";
import { assertBuilt, bin, cleanEnv, lines, root, zmetaCli } from "./support/zmeta.js";

const buf = join(root, "node_modules", ".bin", "buf");

// Generous: a loaded 2-core machine starts node and loads dist/ slowly; a run that hangs still ends here.
const { zmeta, run, killRunning } = zmetaCli({ timeoutMs: 60_000 });

/** The ready line of `zmeta emulator`, as the emulator types it. */
type ReadyInfo = ReturnType<Emulator["readyInfo"]>;

let emulator: ChildProcess | undefined;
let emulatorStderr = "";
let ready: ReadyInfo;

beforeAll(async () => {
  assertBuilt();
  const child = spawn(process.execPath, [bin, "emulator", "--port", "0"], { cwd: root, env: cleanEnv() });
  emulator = child;
  child.stderr.setEncoding("utf8");
  // Drained all along, or the emulator's log lines would fill the pipe and stall it.
  child.stderr.on("data", (chunk: string) => (emulatorStderr += chunk));
  const firstLine = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`no ready line within 60 s; stderr: ${emulatorStderr}`)), 60_000);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      const end = stdout.indexOf("\n");
      if (end >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, end));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`zmeta emulator exited with ${code} before its ready line; stderr: ${emulatorStderr}`));
    });
  });
  ready = JSON.parse(firstLine) as ReadyInfo;
});

afterAll(async () => {
  killRunning();
  if (emulator && emulator.exitCode === null && emulator.signalCode === null) {
    const exited = new Promise((resolve) => emulator?.once("exit", resolve));
    emulator.kill("SIGTERM");
    await exited;
  }
});

function user(userName: string, info: ReadyInfo = ready) {
  const found = info.users.find((u) => u.userName === userName);
  if (!found) throw new Error(`no user ${userName} in the ready line`);
  return found;
}

/** Another `zmeta emulator` child with these flags, for one describe block: its ready line, stopped afterwards. */
function useZmetaEmulator(flags: string[]): () => ReadyInfo {
  let child: ChildProcess | undefined;
  let info: ReadyInfo | undefined;
  beforeAll(async () => {
    const started = spawn(process.execPath, [bin, "emulator", "--port", "0", ...flags], { cwd: root, env: cleanEnv() });
    child = started;
    started.stderr.resume();
    const line = await new Promise<string>((resolve, reject) => {
      let stdout = "";
      started.stdout.setEncoding("utf8");
      started.stdout.on("data", (chunk: string) => {
        stdout += chunk;
        if (stdout.includes("\n")) resolve(stdout.slice(0, stdout.indexOf("\n")));
      });
      started.once("exit", (code) => reject(new Error(`zmeta emulator ${flags.join(" ")} exited with ${code} before its ready line`)));
    });
    info = JSON.parse(line) as ReadyInfo;
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child?.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  });
  return () => {
    if (!info) throw new Error(`zmeta emulator ${flags.join(" ")} has not started`);
    return info;
  };
}

describe("zmeta emulator", () => {
  it("prints one JSON ready line with the default seed, bound to loopback", () => {
    const url = new URL(ready.url);
    expect(url.protocol).toBe("http:");
    expect(url.hostname).toBe("127.0.0.1");
    expect(Number(url.port)).toBeGreaterThan(0);
    expect(Object.keys(ready).sort()).toEqual(["orgs", "url", "users"]);

    expect(ready.orgs.map((o) => o.name)).toEqual(["acme", "globex"]);
    for (const o of ready.orgs) expect(o.id).toMatch(/^\d{18}$/);
    const orgId = (name: string) => ready.orgs.find((o) => o.name === name)?.id;

    const expected = [
      ["iam-admin", "acme", ["IAM_OWNER"]],
      ["acme-admin", "acme", ["ORG_OWNER"]],
      ["alice", "acme", []],
      ["globex-admin", "globex", ["ORG_OWNER"]],
      ["bob", "globex", []],
    ] as const;
    // The seed may hold more (machine users, say); these five are what DESIGN.md promises.
    expect(ready.users.map((u) => u.userName)).toEqual(expect.arrayContaining(expected.map(([name]) => name)));
    for (const [name, org, roles] of expected) {
      const u = user(name);
      expect(Object.keys(u).sort()).toEqual(["id", "orgId", "roles", "token", "userName"]);
      expect(u.userName).toBe(name);
      expect(u.id).toMatch(/^\d{18}$/);
      expect(u.orgId).toBe(orgId(org));
      expect(u.roles).toEqual(roles);
      expect(u.token.length).toBeGreaterThan(0);
    }
    expect(new Set(ready.users.map((u) => u.token)).size).toBe(ready.users.length);
  });

  it("refuses a port that is taken, in one line suggesting --port", async () => {
    const { port } = new URL(ready.url);
    const res = await zmeta(["emulator", "--port", port]);
    expect(res.code).toBe(1);
    expect(res.out).toBe("");
    expect(lines(res.stderr)).toHaveLength(1);
    expect(res.stderr).toContain(`port ${port}`);
    expect(res.stderr).toContain("already in use");
    expect(res.stderr).toContain("--port");
  });

  it("fails in one line naming a bad seed file, and serves nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "zmeta-cli-spec-"));
    try {
      const cases: [name: string, content: string | undefined, problem: string][] = [
        ["missing.json", undefined, "no such file"],
        ["broken.json", "{ not json", "not valid JSON"],
        ["shape.json", '{"orgs":[{"name":"acme"}],"users":[{"username":"x","org":"acme"}]}', 'unknown field "username"'],
        ["org.json", '{"orgs":[{"name":"acme"}],"users":[{"userName":"x","org":"initech"}]}', 'no organization named "initech"'],
        ["role.json", '{"orgs":[{"name":"acme"}],"users":[{"userName":"x","org":"acme","roles":["KING"]}]}', 'users[0].roles[0]: "KING" is not a role'],
      ];
      for (const [name, content, problem] of cases) {
        const file = join(dir, name);
        if (content !== undefined) await writeFile(file, content);
        const res = await zmeta(["emulator", "--port", "0", "--seed", file]);
        expect(res.code, name).toBe(2);
        expect(res.out, name).toBe("");
        expect(lines(res.stderr), name).toHaveLength(1);
        expect(res.stderr, name).toContain(file);
        expect(res.stderr, name).toContain(problem);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the emulator through buf curl", () => {
  const withConnectV1 = useZmetaEmulator(["--connect-v1"]);
  // grpc and grpcweb against the default emulator; connect against the one started with --connect-v1.
  const targets = {
    grpc: { flags: ["--protocol", "grpc", "--http2-prior-knowledge"], info: () => ready },
    grpcweb: { flags: ["--protocol", "grpcweb"], info: () => ready },
    connect: { flags: ["--protocol", "connect"], info: withConnectV1 },
  } as const;
  const management = "zitadel.management.v1.ManagementService";

  function curl(info: ReadyInfo, flags: readonly string[], method: string, token: string, body: object): Promise<Run> {
    return run(buf, [
      "curl",
      "--schema",
      "proto",
      ...flags,
      "-H",
      `authorization: Bearer ${token}`,
      "-d",
      JSON.stringify(body),
      `${info.url}/${management}/${method}`,
    ]);
  }

  for (const [name, target] of Object.entries(targets)) {
    const curlTo = (method: string, token: string, body: object) => curl(target.info(), target.flags, method, token, body);
    it(`sets and gets alice's metadata as acme-admin over ${name}`, async () => {
      const admin = user("acme-admin", target.info());
      const alice = user("alice", target.info());
      const key = `cli-spec.${name}`;
      // Not valid UTF-8, so only a bytes-clean path round-trips it.
      const value = Buffer.from([0xff, 0x00, 0xfe, 0x7a, 0x6d, name.length]);

      const set = await curlTo("SetUserMetadata", admin.token, { id: alice.id, key, value: value.toString("base64") });
      expect(set.stderr).toBe("");
      expect(set.code).toBe(0);
      const setJson = JSON.parse(set.out) as { details?: { sequence?: string; resourceOwner?: string } };
      expect(setJson.details?.sequence).toMatch(/^[1-9]\d*$/);
      expect(setJson.details?.resourceOwner).toBe(alice.orgId);

      const get = await curlTo("GetUserMetadata", admin.token, { id: alice.id, key });
      expect(get.stderr).toBe("");
      expect(get.code).toBe(0);
      const getJson = JSON.parse(get.out) as {
        metadata?: { key?: string; value?: string; details?: { sequence?: string } };
      };
      expect(getJson.metadata?.key).toBe(key);
      expect(Buffer.from(getJson.metadata?.value ?? "", "base64")).toEqual(value);
      expect(getJson.metadata?.details?.sequence).toBe(setJson.details?.sequence);
    });

    it(`reports a missing key as not_found with ErrorDetail QUERY-Rgh32 over ${name}`, async () => {
      const res = await curlTo("GetUserMetadata", user("acme-admin", target.info()).token, {
        id: user("alice", target.info()).id,
        key: "cli-spec.no-such-key",
      });
      // buf curl exits with the gRPC code shifted left by three: NotFound (5) → 40.
      expect(res.code).toBe(5 << 3);
      expect(res.out).toBe("");
      const error = JSON.parse(res.stderr) as {
        code?: string;
        message?: string;
        details?: { type?: string; value?: string }[];
      };
      expect(error.code).toBe("not_found");
      expect(error.message).toBe("Metadata not found (QUERY-Rgh32)");
      expect(error.details).toHaveLength(1);
      expect(error.details?.[0]?.type).toBe("zitadel.v1.ErrorDetail");
      const detail = fromBinary(ErrorDetailSchema, Buffer.from(error.details?.[0]?.value ?? "", "base64"));
      expect({ id: detail.id, message: detail.message }).toEqual({ id: "QUERY-Rgh32", message: "Metadata not found" });
    });
  }

  it("Connect against the default emulator, as against ZITADEL's v1: not served (the REST gateway's 404)", async () => {
    const res = await curl(ready, ["--protocol", "connect"], "GetUserMetadata", user("acme-admin").token, { id: user("alice").id, key: "k" });
    // connect-go reads HTTP 404 as unimplemented (12), and buf curl exits with it shifted left by three.
    expect(res.code).toBe(12 << 3);
    expect(JSON.parse(res.stderr)).toMatchObject({ code: "unimplemented" });
  });

  it("logs one stderr line per call and never a token", () => {
    expect(emulatorStderr).toMatch(/^SetUserMetadata\b.* ok \d/m);
    expect(emulatorStderr).toMatch(/^GetUserMetadata\b.* NotFound .*\(QUERY-Rgh32\)/m);
    for (const u of ready.users) expect(emulatorStderr).not.toContain(u.token);
  });
});

describe("zmeta demo", () => {
  const v1Calls = [
    "SetUserMetadata",
    "GetUserMetadata",
    "SetOrgMetadata",
    "GetOrgMetadata",
    "BulkSetUserMetadata",
    "ListUserMetadata",
    "BulkSetOrgMetadata",
    "ListOrgMetadata",
    "ListMyMetadata",
    "GetMyMetadata",
    "GetUserMetadata (missing key: NotFound QUERY-Rgh32)",
    "RemoveUserMetadata",
    "RemoveOrgMetadata",
    "BulkRemoveUserMetadata",
    "BulkRemoveOrgMetadata",
  ];
  const orgV2Calls = [
    "  SetOrganizationMetadata",
    "  ListOrganizationMetadata (STARTS_WITH)",
    "  DeleteOrganizationMetadata (missing key: NotFound META-2npds)",
    "  DeleteOrganizationMetadata",
  ];
  /** The v2 table's rows in order, headings included; `self` adds the row only the emulator's alice token can run. */
  const v2Rows = (self: boolean) => [
    "UserService (user.v2)",
    "  SetUserMetadata",
    "  ListUserMetadata (STARTS_WITH)",
    "  ListUserMetadata (EQUALS: one key, v2's get)",
    ...(self ? ["  ListUserMetadata (by the user: its own)"] : []),
    "  DeleteUserMetadata (missing key: NotFound META-2nnds)",
    "  DeleteUserMetadata",
    "OrganizationService (org.v2, ZITADEL v4.7+)",
    ...orgV2Calls,
    "OrganizationService (org.v2beta, deprecated)",
    ...orgV2Calls,
  ];
  const headings = new Set(["UserService (user.v2)", "OrganizationService (org.v2, ZITADEL v4.7+)", "OrganizationService (org.v2beta, deprecated)"]);

  const notServedCell = "n/a: not served";
  const notServedNote = "v1: connect: not served (ZITADEL v1 has no Connect; --connect-v1 opts in, for an emulator only)";

  /**
   * The table of one API (the lines from its "v1:"/"v2:" title to its summary):
   * exactly `rows` in order, every call ok over `protocols`, the columns in
   * `notServed` "n/a" in every row instead, each cell where its header is.
   */
  function expectTableOk(stdout: string, api: "v1" | "v2", rows: string[], protocols: string[], notServed: string[] = []): void {
    const out = lines(stdout);
    const title = out.findIndex((l) => l.startsWith(`${api}: `) && !l.includes("calls"));
    expect(title, `${api} table`).toBeGreaterThanOrEqual(0);
    const header = out[title + 1]!;
    const columns = ["grpc", "grpc-web", "connect", "rest"].filter((p) => protocols.includes(p) || notServed.includes(p));
    expect(header.split(/\s+/)).toEqual(["call", ...columns]);
    const starts = columns.map((c) => header.indexOf(`   ${c}`) + 3);
    const body = out.slice(title + 2, title + 2 + rows.length);
    expect(body.map((row) => row.slice(0, starts[0]).trimEnd())).toEqual(rows);
    for (const row of body) {
      const label = row.slice(0, starts[0]).trimEnd();
      if (headings.has(label)) {
        expect(row, "a heading has no cells").toBe(label);
        continue;
      }
      columns.forEach((c, i) => {
        expect(row[starts[i]! - 1], `${label}: the ${c} cell is aligned under its header`).toBe(" ");
        const cell = row.slice(starts[i], starts[i + 1]).trim();
        expect(cell, `${api} ${label} over ${c}`).toMatch(notServed.includes(c) ? new RegExp(`^${notServedCell}$`) : /^ok +\d+(\.\d)?ms$/);
      });
    }
    const calls = rows.filter((r) => !headings.has(r)).length;
    expect(out[title + 2 + rows.length]).toBe(`${api}: all ${calls * protocols.length} calls behaved as expected over ${protocols.join(", ")}`);
    if (notServed.length > 0) expect(out[title + 3 + rows.length]).toBe(notServedNote);
    expect(stdout).not.toContain("FAIL");
    expect(stdout).not.toContain("skip");
  }

  /** Every line fits a 120-column terminal. */
  function expectReadable(stdout: string): void {
    for (const line of lines(stdout)) expect(line.length, line).toBeLessThanOrEqual(120);
  }

  it("against its own emulator: v1 and v2 side by side, v1 over grpc, grpc-web and rest (connect not served), v2 over all four", async () => {
    const res = await zmeta(["demo"], { timeoutMs: 90_000 });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expectTableOk(res.out, "v1", v1Calls, ["grpc", "grpc-web", "rest"], ["connect"]);
    expectTableOk(res.out, "v2", v2Rows(true), ["grpc", "grpc-web", "connect", "rest"]);
    expect(lines(res.out)[0]).toMatch(/^zmeta demo: emulator at http:\/\/127\.0\.0\.1:\d+$/);
    // The same columns, so the two tables share their widths and read side by side.
    const headers = lines(res.out).filter((l) => l.startsWith("call "));
    expect(headers).toHaveLength(2);
    expect(headers[0]).toBe(headers[1]);
    expectReadable(res.out);
  });

  it("with --connect-v1 its emulator serves Connect on v1 too, and every call runs over all four", async () => {
    const res = await zmeta(["demo", "--connect-v1", "--api", "v1"], { timeoutMs: 90_000 });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expectTableOk(res.out, "v1", v1Calls, ["grpc", "grpc-web", "connect", "rest"]);
    expect(res.out).not.toContain("v2:");
  });

  it("--api v2 --protocol connect shows v2 over Connect alone; --api takes only v1 and v2", async () => {
    const res = await zmeta(["demo", "--api", "v2", "--protocol", "connect"], { timeoutMs: 90_000 });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expectTableOk(res.out, "v2", v2Rows(true), ["connect"]);
    expect(res.out).not.toContain("v1:");
    const bad = await zmeta(["demo", "--api", "v3"]);
    expect(bad.code).toBe(2);
    expect(lines(bad.stderr)).toEqual([expect.stringContaining("--api takes v1, v2 or v1,v2; unknown: v3")]);
    const onlyV2 = await zmeta(["demo", "--api", "v2", "--connect-v1"]);
    expect(onlyV2.code).toBe(2);
    expect(lines(onlyV2.stderr)).toEqual([expect.stringContaining("--connect-v1 applies only to v1")]);
  });

  it("--connect-v1 without connect among the protocols is a usage error", async () => {
    const res = await zmeta(["demo", "--connect-v1", "--protocol", "grpc,rest"]);
    expect(res.code).toBe(2);
    expect(lines(res.stderr)).toEqual([expect.stringContaining("--connect-v1 applies only when --protocol includes connect")]);
  });

  it("runs against a given URL with a token and user id, and never prints the token", async () => {
    const admin = user("acme-admin");
    const alice = user("alice");
    const res = await zmeta(["demo", "--url", ready.url, "--token", admin.token, "--user", alice.id, "--protocol", "connect,grpc-web,grpc,rest"]);
    // Connect by URL: the client refuses v1 over it before sending, as ZITADEL does not serve it.
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expectTableOk(res.out, "v1", v1Calls, ["grpc", "grpc-web", "rest"], ["connect"]);
    // With --url the default is v1 only: a real ZITADEL may predate v2.
    expect(res.out).not.toContain("v2:");
    // The token is acme-admin's but the user is alice, so the "my" calls see nothing, and say why.
    expect(res.out).toContain(`the token's own user is not ${alice.id}`);
    expect(res.out + res.stderr).not.toContain(admin.token);
  });

  it("authenticates with a service account key file or client credentials instead of a token", async () => {
    const bot = user("acme-bot");
    const alice = user("alice");
    expect(bot.keyFile).toBeDefined();
    const byKey = await zmeta(["demo", "--url", ready.url, "--key-file", bot.keyFile!, "--user", alice.id, "--protocol", "grpc,rest"]);
    expect(byKey.stderr).toBe("");
    expect(byKey.code).toBe(0);
    expectTableOk(byKey.out, "v1", v1Calls, ["grpc", "rest"]);
    const bySecret = await zmeta(["demo", "--url", ready.url, "--client-id", bot.clientId!, "--user", alice.id, "--protocol", "grpc-web"], {
      env: { ZITADEL_CLIENT_SECRET: bot.clientSecret! },
    });
    expect(bySecret.stderr).toBe("");
    expect(bySecret.code).toBe(0);
    expectTableOk(bySecret.out, "v1", v1Calls, ["grpc-web"]);
    expect(byKey.out + bySecret.out).not.toContain(bot.clientSecret!);

    const two = await zmeta(["demo", "--url", ready.url, "--token", "t", "--key-file", bot.keyFile!, "--user", alice.id]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain("one way to authenticate");
    const missingKey = await zmeta(["demo", "--url", ready.url, "--key-file", "/nonexistent/key.json", "--user", alice.id]);
    expect(missingKey.code).toBe(2);
    expect(lines(missingKey.stderr)).toEqual([expect.stringContaining("--key-file: cannot read the key file")]);
  });

  it("with --url and --api v1,v2 runs both against that server; v2 there needs --org-id", async () => {
    const admin = user("acme-admin");
    const alice = user("alice");
    const base = ["demo", "--url", ready.url, "--token", admin.token, "--user", alice.id];
    const res = await zmeta([...base, "--api", "v1,v2", "--org-id", alice.orgId], { timeoutMs: 90_000 });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expectTableOk(res.out, "v1", v1Calls, ["grpc", "grpc-web", "rest"]);
    // v2 over all four by default (ZITADEL serves it over Connect); the "its own" row needs alice's token, which this run lacks.
    expectTableOk(res.out, "v2", v2Rows(false), ["grpc", "grpc-web", "connect", "rest"]);
    expect(res.out + res.stderr).not.toContain(admin.token);
    expectReadable(res.out);

    const noOrg = await zmeta([...base, "--api", "v2"]);
    expect(noOrg.code).toBe(2);
    expect(lines(noOrg.stderr)).toEqual([expect.stringContaining("--api v2 with --url needs --org-id (or ZITADEL_ORG_ID)")]);
  });

  it("exits 1 and explains when the token is rejected", async () => {
    const res = await zmeta(["demo", "--url", ready.url, "--token", "not-a-valid-token", "--user", user("alice").id, "--protocol", "grpc"]);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/^SetUserMetadata +FAIL Unauthenticated/m);
    expect(res.stderr).toContain("Errors.Token.Invalid (AUTH-7fs1e)");
    expect(res.out + res.stderr).not.toContain("not-a-valid-token");
  });
});

describe("zmeta usage", () => {
  it("--help exits 0 and lists the commands", async () => {
    for (const args of [["--help"], ["help"]]) {
      const res = await zmeta(args);
      expect(res.code).toBe(0);
      expect(res.stderr).toBe("");
      expect(res.out).toContain("emulator");
      expect(res.out).toContain("demo");
    }
    const res = await zmeta(["emulator", "--help"]);
    expect(res.code).toBe(0);
    expect(res.out).toContain("--seed");
    expect(res.out).toMatch(/--connect-v1 +Also serve the Connect protocol .* a convenience ZITADEL lacks/s);
  });

  it("an unknown command or option exits 2 with one line pointing at --help", async () => {
    for (const args of [["frobnicate"], ["emulator", "--bogus"], ["demo", "--protocol", "carrier-pigeon"]]) {
      const res = await zmeta(args);
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.out).toBe("");
      expect(lines(res.stderr), args.join(" ")).toHaveLength(1);
      expect(res.stderr).toContain("--help");
    }
  });
});

describe("zmeta emulator --token-ttl", () => {
  it("issues OAuth tokens with the lifetime asked for", async () => {
    const child = spawn(process.execPath, [bin, "emulator", "--port", "0", "--token-ttl", "15m"], { cwd: root, env: cleanEnv() });
    try {
      child.stderr.resume();
      const line = await new Promise<string>((resolve, reject) => {
        let stdout = "";
        child.stdout.setEncoding("utf8");
        child.stdout.on("data", (chunk: string) => {
          stdout += chunk;
          if (stdout.includes("\n")) resolve(stdout.slice(0, stdout.indexOf("\n")));
        });
        child.once("exit", (code) => reject(new Error(`exited with ${code} before its ready line`)));
      });
      const info = JSON.parse(line) as ReadyInfo;
      const bot = info.users.find((u) => u.clientId !== undefined);
      const res = await fetch(`${info.url}/oauth/v2/token`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${bot?.clientId}:${bot?.clientSecret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ grant_type: "client_credentials", scope: "openid urn:zitadel:iam:org:project:id:zitadel:aud" }).toString(),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { expires_in: number }).expires_in).toBe(900);
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  });

  it("refuses a lifetime that is not a whole number of seconds", async () => {
    for (const ttl of ["0", "1.5h", "90x", "1500ms"]) {
      const res = await zmeta(["emulator", "--port", "0", "--token-ttl", ttl]);
      expect(res.code, ttl).toBe(2);
      expect(lines(res.stderr), ttl).toEqual([expect.stringContaining("--token-ttl")]);
    }
  });
});

describe("zmeta and configuration errors", () => {
  it("names the flag behind the option a configuration error is about, from its option, not its text", async () => {
    const res = await zmeta(["get", "--user", "123", "k", "--url", "https://a.example/?x=1", "--token", "t"]);
    expect(res.code).toBe(2);
    expect(lines(res.stderr)).toEqual([
      'zmeta get: --url (or ZITADEL_URL): option "baseUrl" must not have a query or fragment; pass the instance address only.',
    ]);
  });
});

describe("zmeta emulator with opt-in realism", () => {
  const untidy = useZmetaEmulator(["--list-order", "changing", "--error-language", "pseudo", "--error-conversion-bug"]);
  const mgmt = () => createManagementClient(createZitadelTransport({ baseUrl: untidy().url, protocol: "grpc", auth: user("acme-admin", untidy()).token }));

  it("--list-order changing, --error-language pseudo and --error-conversion-bug each take effect", async () => {
    await mgmt().bulkSetOrgMetadata({ metadata: Array.from({ length: 60 }, (_, i) => ({ key: `q.${i}`, value: new Uint8Array([1]) })) });
    const orders = await Promise.all([1, 2, 3].map(async () => (await mgmt().listOrgMetadata({})).result.map((m) => m.key).join()));
    expect(new Set(orders).size).toBeGreaterThan(1);
    const missing = await mgmt()
      .getOrgMetadata({ key: "absent" })
      .catch((e: unknown) => e as ConnectError);
    expect((missing as ConnectError).rawMessage).toBe("Mëtädätä nöt föünd (QUERY-Rph32)");
    const invalid = await mgmt()
      .getOrgMetadata({ key: "" })
      .catch((e: unknown) => e as ConnectError);
    expect((invalid as ConnectError).code).toBe(Code.Unknown);
    expect((invalid as ConnectError).rawMessage).toMatch(/^rpc error: code = InvalidArgument desc = invalid GetOrgMetadataRequest\.Key: .* \(\)$/);
  });

  it("refuses values it does not know, with exit 2 naming the flag", async () => {
    for (const [flag, value] of [
      ["--list-order", "sorted"],
      ["--error-language", "de"],
    ] as const) {
      const res = await zmeta(["emulator", "--port", "0", flag, value]);
      expect(res.code, flag).toBe(2);
      expect(lines(res.stderr), flag).toEqual([expect.stringContaining(`${flag} must be`)]);
    }
  });
});

describe("zmeta emulator shutdown", () => {
  it("stops cleanly on SIGTERM, with the shell's exit code for it (143)", async () => {
    const child = emulator;
    if (!child) throw new Error("the emulator did not start");
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect(emulatorStderr).toContain("stopped (SIGTERM)");
    expect(emulatorStderr).toContain(`serving v1 over gRPC, gRPC-web and REST and v2 over those and Connect at ${ready.url}, as ZITADEL serves them`);
  });
});
