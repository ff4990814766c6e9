// A stranger's client on the emulator's v2 services: `buf curl` (connect-go,
// from the @bufbuild/buf devDependency) with the schema from our own proto/
// directory and from an image built from it, so nothing comes from the
// network. buf prints responses as protobuf JSON (bytes as base64) on stdout,
// and a Connect error as JSON on stderr, exiting with 8 × the code's number.
// What buf writes must be what v1 reads, and the reverse: one store.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManagementClient, createZitadelTransport, withOrgId } from "../src/index.js";
import { useEmulator } from "./support/emulator.js";
import { rejection } from "./support/failures.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const buf = join(root, "node_modules", ".bin", process.platform === "win32" ? "buf.cmd" : "buf");
const userService = "zitadel.user.v2.UserService";
const orgService = "zitadel.org.v2.OrganizationService";

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** buf with its cache in a directory of this test's own, never the user's ~/.cache. */
function runBuf(args: string[], cacheDir: string): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(
      buf,
      args,
      { cwd: root, env: { ...process.env, BUF_CACHE_DIR: cacheDir }, timeout: 60_000, shell: process.platform === "win32" },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const b64 = (bytes: number[]) => Buffer.from(bytes).toString("base64");
const text = (s: string) => Buffer.from(s, "utf8").toString("base64");
const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

// The tests run in order on one emulator: each builds on what the previous wrote.
describe("buf curl over Connect against the emulator's v2 services", () => {
  const emulator = useEmulator();
  let scratch: string;
  let image: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "zmeta-buf-curl-"));
    image = join(scratch, "zitadel.binpb");
    const built = await runBuf(["build", "proto", "-o", image], join(scratch, "cache"));
    if (built.code !== 0) throw new Error(`buf build failed (${built.code}):\n${built.stderr}`);
  }, 90_000);
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  interface CurlOptions {
    token?: string;
    /** h2c instead of HTTP/1.1. */
    http2?: boolean;
    /** The built image instead of the proto/ directory. */
    fromImage?: boolean;
    verbose?: boolean;
  }

  /** One `buf curl --protocol connect` call; body is the request as protobuf JSON. */
  function curl(method: string, body: unknown, options: CurlOptions = {}): Promise<Finished> {
    const args = ["curl", "--schema", options.fromImage ? image : "proto", "--protocol", "connect", "-d", JSON.stringify(body)];
    if (options.token !== undefined) args.push("-H", `Authorization: Bearer ${options.token}`);
    if (options.http2) args.push("--http2-prior-knowledge");
    if (options.verbose) args.push("-v");
    args.push(`${emulator().url}/${method}`);
    return runBuf(args, join(scratch, "cache"));
  }

  /** A call that must succeed: its stdout as JSON. */
  async function ok(method: string, body: unknown, options?: CurlOptions): Promise<Record<string, unknown>> {
    const r = await curl(method, body, options);
    if (r.code !== 0) throw new Error(`buf curl ${method} exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  /** The v1 API of the same emulator, over gRPC, as the acme admin. */
  const v1 = () => {
    const transport = createZitadelTransport({ baseUrl: emulator().url, protocol: "grpc", auth: emulator().user("acme-admin").token });
    return { mgmt: createManagementClient(transport), acme: { contextValues: withOrgId(emulator().org("acme").id) } };
  };

  it("SetUserMetadata over HTTP/1.1 (Connect, binary): buf prints { setDate }, and v1 reads the bytes", async () => {
    const alice = emulator().user("alice").id;
    const r = await curl(
      `${userService}/SetUserMetadata`,
      {
        userId: alice,
        metadata: [
          { key: "buf.plan", value: b64([0xff, 0x00, 0x80]) },
          { key: "buf.note", value: text("written by buf") },
        ],
      },
      { token: emulator().user("acme-admin").token, verbose: true },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ setDate: iso });
    // -v: what went over the wire.
    expect(r.stderr).toMatch(/> \(#1\) POST \/zitadel\.user\.v2\.UserService\/SetUserMetadata/);
    expect(r.stderr).toMatch(/> \(#1\) Content-Type: application\/proto/);
    expect(r.stderr).toMatch(/> \(#1\) Connect-Protocol-Version: 1/);
    expect(r.stderr).toMatch(/< \(#1\) HTTP\/1\.1 200 OK/);

    const { mgmt, acme } = v1();
    const plan = await mgmt.getUserMetadata({ id: alice, key: "buf.plan" }, acme);
    expect([...plan.metadata!.value]).toEqual([0xff, 0x00, 0x80]);
    const note = await mgmt.getUserMetadata({ id: alice, key: "buf.note" }, acme);
    expect(new TextDecoder().decode(note.metadata!.value)).toBe("written by buf");
  });

  it("ListUserMetadata over h2c: base64 values, v2 pagination, and what v1 wrote is there too", async () => {
    const alice = emulator().user("alice").id;
    const { mgmt, acme } = v1();
    await mgmt.setUserMetadata({ id: alice, key: "buf.from-v1", value: new Uint8Array([0x00, 0x01, 0xfe]) }, acme);

    const r = await curl(
      `${userService}/ListUserMetadata`,
      { userId: alice, filters: [{ keyFilter: { key: "buf.", method: "TEXT_FILTER_METHOD_STARTS_WITH" } }], pagination: { asc: true } },
      { token: emulator().user("acme-admin").token, http2: true, verbose: true },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Using HTTP\/2 prior knowledge over plain-text \(h2c\)/);
    expect(r.stderr).toMatch(/< \(#1\) HTTP\/2\.0 200 OK/);
    const list = JSON.parse(r.stdout) as { pagination: unknown; metadata: { key: string; value: string; creationDate: string; changeDate: string }[] };
    // uint64 as JSON strings; no limit asked → 100; oldest first with asc.
    expect(list.pagination).toEqual({ totalResult: "3", appliedLimit: "100" });
    const byKey = Object.fromEntries(list.metadata.map((m) => [m.key, m.value]));
    expect(byKey).toEqual({ "buf.plan": b64([0xff, 0x00, 0x80]), "buf.note": text("written by buf"), "buf.from-v1": b64([0x00, 0x01, 0xfe]) });
    expect(list.metadata.at(-1)!.key).toBe("buf.from-v1");
    for (const m of list.metadata) expect(m).toEqual({ key: m.key, value: m.value, creationDate: iso, changeDate: iso });

    // One key: no method means EQUALS (the enum's zero); alice reads her own metadata, which needs no permission.
    const own = await ok(
      `${userService}/ListUserMetadata`,
      { userId: alice, filters: [{ keyFilter: { key: "buf.from-v1" } }] },
      { token: emulator().user("alice").token },
    );
    expect(own).toMatchObject({ pagination: { totalResult: "1" }, metadata: [{ key: "buf.from-v1", value: b64([0x00, 0x01, 0xfe]) }] });
  });

  it("DeleteUserMetadata: buf prints { deletionDate }, and v1 no longer finds the key", async () => {
    const alice = emulator().user("alice").id;
    const deleted = await ok(
      `${userService}/DeleteUserMetadata`,
      { userId: alice, keys: ["buf.note", "buf.from-v1"] },
      { token: emulator().user("acme-admin").token },
    );
    expect(deleted).toEqual({ deletionDate: iso });

    const { mgmt, acme } = v1();
    for (const key of ["buf.note", "buf.from-v1"]) {
      const err = await rejection(mgmt.getUserMetadata({ id: alice, key }, acme));
      expect(err.code, key).toBe(Code.NotFound);
    }
    expect([...(await mgmt.getUserMetadata({ id: alice, key: "buf.plan" }, acme)).metadata!.value]).toEqual([0xff, 0x00, 0x80]);
  });

  it("DeleteUserMetadata with a missing key: the Connect error JSON (not_found, META-2nnds, zitadel.v1.ErrorDetail), exit 40, nothing deleted", async () => {
    const alice = emulator().user("alice").id;
    const r = await curl(
      `${userService}/DeleteUserMetadata`,
      { userId: alice, keys: ["buf.plan", "buf.absent"] },
      { token: emulator().user("acme-admin").token },
    );
    expect(r.code).toBe(Code.NotFound * 8);
    expect(r.stdout).toBe("");
    const error = JSON.parse(r.stderr) as { code: string; message: string; details: { type: string; value: string; debug: unknown }[] };
    expect(error).toEqual({
      code: "not_found",
      message: "One or more keys do not exist (META-2nnds)",
      details: [{ type: "zitadel.v1.ErrorDetail", value: expect.any(String), debug: { id: "META-2nnds", message: "One or more keys do not exist" } }],
    });
    // The detail's bytes are the ErrorDetail message itself: field 1 the id, field 2 the text.
    const detail = Buffer.from(error.details[0]!.value, "base64");
    expect(detail.includes(Buffer.from("META-2nnds"))).toBe(true);
    expect(detail.includes(Buffer.from("One or more keys do not exist"))).toBe(true);

    // All or nothing: the existing key of that request is still there.
    const { mgmt, acme } = v1();
    expect([...(await mgmt.getUserMetadata({ id: alice, key: "buf.plan" }, acme)).metadata!.value]).toEqual([0xff, 0x00, 0x80]);
  });

  it('without the Authorization header: unauthenticated "auth header missing", exit 128', async () => {
    const r = await curl(`${userService}/ListUserMetadata`, { userId: emulator().user("alice").id });
    expect(r.code).toBe(Code.Unauthenticated * 8);
    expect(JSON.parse(r.stderr)).toEqual({ code: "unauthenticated", message: "auth header missing" });
  });

  it("org v2, schema from a built image: Set/List/DeleteOrganizationMetadata, and v1 sees the same org metadata", async () => {
    const acmeId = emulator().org("acme").id;
    const token = emulator().user("acme-admin").token;
    const set = await ok(
      `${orgService}/SetOrganizationMetadata`,
      { organizationId: acmeId, metadata: [{ key: "buf.org", value: text("acme via buf") }] },
      { token, fromImage: true },
    );
    expect(set).toEqual({ setDate: iso });

    const { mgmt, acme } = v1();
    expect(new TextDecoder().decode((await mgmt.getOrgMetadata({ key: "buf.org" }, acme)).metadata!.value)).toBe("acme via buf");
    await mgmt.setOrgMetadata({ key: "buf.org-v1", value: new Uint8Array([0x7f]) }, acme);

    const list = await ok(
      `${orgService}/ListOrganizationMetadata`,
      { organizationId: acmeId, filters: [{ keyFilter: { key: "buf.org", method: "TEXT_FILTER_METHOD_STARTS_WITH" } }] },
      { token, fromImage: true, http2: true },
    );
    const rows = (list.metadata as { key: string; value: string }[]).map((m) => [m.key, m.value]).sort();
    expect(rows).toEqual([
      ["buf.org", text("acme via buf")],
      ["buf.org-v1", b64([0x7f])],
    ]);
    // Orgs report the raw requested limit (0 when absent), unlike users.
    expect(list.pagination).toEqual({ totalResult: "2" });

    expect(
      await ok(`${orgService}/DeleteOrganizationMetadata`, { organizationId: acmeId, keys: ["buf.org", "buf.org-v1"] }, { token, fromImage: true }),
    ).toEqual({ deletionDate: iso });
    expect((await rejection(mgmt.getOrgMetadata({ key: "buf.org" }, acme))).code).toBe(Code.NotFound);
  });
});
