// ZITADEL's server semantics as ZITADEL.md states them ("Server semantics",
// "Headers", the roles table, "Small print"), over every protocol ZITADEL
// serves for v1, against the emulator's default behaviour: per-aggregate
// sequences, unordered lists in storage order, writes that change nothing,
// header parsing, U+0000 and the response size limit.
import * as http2 from "node:http2";
import { connect } from "node:net";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ConnectError } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { TextQueryMethod } from "../gen/zitadel/object_pb.js";
import type { Emulator } from "../src/emulator/index.js";
import { authorize } from "../src/emulator/authz.js";
import { startEmulator } from "../src/emulator/index.js";
import { Store } from "../src/emulator/store.js";
import { createManagementClient } from "../src/index.js";
import { useEmulator } from "./support/emulator.js";
import { clientsAs, expectZitadelError, protocols, rawTransport, utf8 } from "./support/protocols.js";

const micros = (t: Timestamp | undefined) => t!.seconds * 1_000_000n + BigInt(Math.floor(t!.nanos / 1000));
const prefixQuery = (key: string) => [{ query: { case: "keyQuery" as const, value: { key, method: TextQueryMethod.STARTS_WITH } } }];

describe.each(protocols)("ZITADEL semantics over %s", (protocol) => {
  const emulator = useEmulator();
  const admin = () => clientsAs(emulator(), protocol, "acme-admin").mgmt;
  const alice = () => emulator().user("alice").id;

  it("sequences count per aggregate: each user and each org from 1 (its creation)", async () => {
    // A fresh emulator, so that every aggregate is where it started.
    const fresh = await startEmulator();
    try {
      const acme = clientsAs(fresh, protocol, "acme-admin").mgmt;
      const globex = clientsAs(fresh, protocol, "globex-admin").mgmt;
      const first = await acme.setUserMetadata({ id: fresh.user("alice").id, key: "k", value: utf8("1") });
      expect(first.details!.sequence).toBe(2n);
      // Another user's and the orgs' events do not move alice's count.
      expect((await globex.setUserMetadata({ id: fresh.user("bob").id, key: "k", value: utf8("1") })).details!.sequence).toBe(2n);
      expect((await acme.setOrgMetadata({ key: "k", value: utf8("1") })).details!.sequence).toBe(2n);
      expect((await globex.setOrgMetadata({ key: "k", value: utf8("1") })).details!.sequence).toBe(2n);
      const second = await acme.setUserMetadata({ id: fresh.user("alice").id, key: "k2", value: utf8("2") });
      expect(second.details!.sequence).toBe(3n);
      const removed = await acme.bulkRemoveUserMetadata({ id: fresh.user("alice").id, keys: ["k", "k2"] });
      expect(removed.details!.sequence).toBe(5n);
    } finally {
      await fresh.close();
    }
  });

  it("details per operation, with microsecond timestamps", async () => {
    const first = await admin().setUserMetadata({ id: alice(), key: "d", value: utf8("1") });
    expect(first.details?.creationDate).toBeDefined();
    expect(first.details?.changeDate).toBeUndefined();
    expect(first.details?.resourceOwner).toBe(emulator().org("acme").id);
    await new Promise((r) => setTimeout(r, 5));
    const second = await admin().setUserMetadata({ id: alice(), key: "d", value: utf8("2") });
    expect(second.details!.sequence).toBe(first.details!.sequence + 1n);
    const got = (await admin().getUserMetadata({ id: alice(), key: "d" })).metadata!.details!;
    // Reads carry both dates: first creation and last change, to the microsecond.
    expect(micros(got.creationDate)).toBe(micros(first.details!.creationDate));
    expect(micros(got.changeDate)).toBe(micros(second.details!.creationDate));
    expect(got.sequence).toBe(second.details!.sequence);
    const removed = await admin().removeUserMetadata({ id: alice(), key: "d" });
    expect(removed.details?.changeDate).toBeDefined();
    expect(removed.details?.creationDate).toBeUndefined();
    expect(removed.details?.sequence).toBe(second.details!.sequence + 1n);
    // Microseconds, not milliseconds: over a few writes some timestamp has a sub-millisecond part.
    const stamps: Timestamp[] = [];
    for (let i = 0; i < 5; i++) stamps.push((await admin().setOrgMetadata({ key: "stamp", value: utf8(String(i)) })).details!.creationDate!);
    expect(stamps.every((t) => t.nanos % 1000 === 0)).toBe(true);
    expect(stamps.some((t) => t.nanos % 1_000_000 !== 0)).toBe(true);
  });

  it("setting a user key to its current value writes nothing and reports the user's latest metadata change", async () => {
    const set = await admin().setUserMetadata({ id: alice(), key: "same", value: utf8("x") });
    const other = await admin().setUserMetadata({ id: alice(), key: "same.other", value: utf8("y") });
    const again = await admin().setUserMetadata({ id: alice(), key: "same", value: utf8("x") });
    expect(again.details!.sequence).toBe(other.details!.sequence);
    expect(micros(again.details!.creationDate)).toBe(micros(other.details!.creationDate));
    const stored = (await admin().getUserMetadata({ id: alice(), key: "same" })).metadata!.details!;
    expect(stored.sequence).toBe(set.details!.sequence);
    // No event was pushed: the next write is the very next number.
    const next = await admin().setUserMetadata({ id: alice(), key: "same", value: utf8("z") });
    expect(next.details!.sequence).toBe(other.details!.sequence + 1n);
  });

  it("setting an org key always writes, even the same value", async () => {
    const set = await admin().setOrgMetadata({ key: "org.same", value: utf8("x") });
    const again = await admin().setOrgMetadata({ key: "org.same", value: utf8("x") });
    expect(again.details!.sequence).toBe(set.details!.sequence + 1n);
    const stored = (await admin().getOrgMetadata({ key: "org.same" })).metadata!.details!;
    expect(stored.sequence).toBe(again.details!.sequence);
  });

  it("bulk set skips unchanged entries (user and org); duplicates: the last wins", async () => {
    const entries = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: utf8(v) }));
    const first = await admin().bulkSetUserMetadata({ id: alice(), metadata: entries({ "b.a": "1", "b.b": "2" }) });
    const aBefore = (await admin().getUserMetadata({ id: alice(), key: "b.a" })).metadata!.details!;
    const changed = await admin().bulkSetUserMetadata({ id: alice(), metadata: entries({ "b.a": "1", "b.b": "3" }) });
    expect(changed.details!.sequence).toBe(first.details!.sequence + 1n);
    const aAfter = (await admin().getUserMetadata({ id: alice(), key: "b.a" })).metadata!.details!;
    expect(aAfter.sequence).toBe(aBefore.sequence);
    expect(micros(aAfter.changeDate)).toBe(micros(aBefore.changeDate));
    // Nothing changed: success, no event, the latest change reported.
    const noop = await admin().bulkSetUserMetadata({ id: alice(), metadata: entries({ "b.a": "1", "b.b": "3" }) });
    expect(noop.details!.sequence).toBe(changed.details!.sequence);
    expect(micros(noop.details!.changeDate)).toBe(micros(changed.details!.changeDate));
    const dup = await admin().bulkSetUserMetadata({
      id: alice(),
      metadata: [
        { key: "b.dup", value: utf8("first") },
        { key: "b.dup", value: utf8("last") },
      ],
    });
    expect(new TextDecoder().decode((await admin().getUserMetadata({ id: alice(), key: "b.dup" })).metadata!.value)).toBe("last");
    expect(dup.details!.sequence).toBe(noop.details!.sequence + 1n);

    const org1 = await admin().bulkSetOrgMetadata({ metadata: entries({ "ob.a": "1", "ob.b": "2" }) });
    const org2 = await admin().bulkSetOrgMetadata({ metadata: entries({ "ob.a": "1", "ob.b": "2" }) });
    expect(org2.details!.sequence).toBe(org1.details!.sequence);
    const org3 = await admin().bulkSetOrgMetadata({ metadata: entries({ "ob.a": "1", "ob.b": "9" }) });
    expect(org3.details!.sequence).toBe(org1.details!.sequence + 1n);
    // Duplicate keys in a bulk remove are fine.
    await admin().bulkRemoveOrgMetadata({ keys: ["ob.a", "ob.a", "ob.b"] });
  });

  it("lists have no order: storage order, a re-set row moves to the end, asc ignored", async () => {
    const keys = ["p.c", "p.a", "p.e", "p.b", "p.d"];
    for (const key of keys) await admin().setUserMetadata({ id: alice(), key, value: utf8(key) });
    const list = (query: { offset?: bigint; limit?: number; asc?: boolean }) => admin().listUserMetadata({ id: alice(), query, queries: prefixQuery("p.") });
    expect((await list({})).result.map((m) => m.key)).toEqual(keys);
    expect((await list({ asc: true })).result.map((m) => m.key)).toEqual(keys);
    // A new value is a new row version at the end; the same value writes nothing and stays.
    await admin().setUserMetadata({ id: alice(), key: "p.a", value: utf8("new") });
    await admin().setUserMetadata({ id: alice(), key: "p.e", value: utf8("p.e") });
    const reordered = ["p.c", "p.e", "p.b", "p.d", "p.a"];
    expect((await list({ asc: true })).result.map((m) => m.key)).toEqual(reordered);
    const page = await list({ offset: 1n, limit: 2 });
    expect(page.result.map((m) => m.key)).toEqual(reordered.slice(1, 3));
    expect(page.details?.totalResult).toBe(5n);
    expect((await list({ offset: 4n, limit: 0 })).result.map((m) => m.key)).toEqual(["p.a"]);
  });

  it("ListDetails: total 0 on a page past the end, processed_sequence 0, view_timestamp = the last write", async () => {
    await admin().bulkSetUserMetadata({ id: alice(), metadata: ["v.1", "v.2", "v.3"].map((key) => ({ key, value: utf8(key) })) });
    const last = await admin().setUserMetadata({ id: alice(), key: "v.4", value: utf8("4") });
    const list = (offset: bigint) => admin().listUserMetadata({ id: alice(), query: { offset, limit: 2 }, queries: prefixQuery("v.") });
    const page = await list(2n);
    expect(page.details?.totalResult).toBe(4n);
    expect(page.details?.processedSequence).toBe(0n);
    expect(micros(page.details?.viewTimestamp)).toBe(micros(last.details!.creationDate));
    const beyond = await list(4n);
    expect(beyond.result).toEqual([]);
    expect(beyond.details?.totalResult).toBe(0n);
    // Reads do not move it; an org write moves the org lists' timestamp, not the users'.
    await admin().setOrgMetadata({ key: "v.org", value: utf8("x") });
    expect(micros((await list(0n)).details?.viewTimestamp)).toBe(micros(last.details!.creationDate));
  });

  it("a key containing U+0000 cannot be stored: Internal, nothing written", async () => {
    // A raw transport: our own clients refuse such keys before sending.
    const mgmt = createManagementClient(rawTransport(emulator(), protocol));
    const headers = { authorization: `Bearer ${emulator().user("acme-admin").token}` };
    const internal = { code: Code.Internal, text: "Errors.Internal" };
    await expectZitadelError(mgmt.setUserMetadata({ id: alice(), key: "nul\u0000key", value: utf8("v") }, { headers }), internal);
    await expectZitadelError(
      mgmt.bulkSetUserMetadata(
        {
          id: alice(),
          metadata: [
            { key: "nul.ok", value: utf8("v") },
            { key: "nul\u0000", value: utf8("v") },
          ],
        },
        { headers },
      ),
      internal,
    );
    await expectZitadelError(mgmt.setOrgMetadata({ key: "\u0000", value: utf8("v") }, { headers }), internal);
    const listed = await mgmt.listUserMetadata({ id: alice(), queries: prefixQuery("nul") }, { headers });
    expect(listed.result).toEqual([]);
  });

  it("a response over 10 MiB is refused with ResourceExhausted; pages of it are not", async () => {
    const fresh = await startEmulator();
    try {
      const mgmt = clientsAs(fresh, protocol, "acme-admin").mgmt;
      const id = fresh.user("alice").id;
      for (let batch = 0; batch < 3; batch++) {
        const metadata = Array.from({ length: 8 }, (_, i) => ({ key: `big.${batch}.${i}`, value: new Uint8Array(480_000).fill(i) }));
        await mgmt.bulkSetUserMetadata({ id, metadata });
      }
      const err = await mgmt.listUserMetadata({ id, query: { limit: 0 } }).catch((e: unknown) => e);
      expect((err as { code?: Code }).code).toBe(Code.ResourceExhausted);
      const page = await mgmt.listUserMetadata({ id, query: { limit: 10 } });
      expect(page.result).toHaveLength(10);
      expect(page.details?.totalResult).toBe(24n);
    } finally {
      await fresh.close();
    }
  });
});

describe.each(protocols)("authorization header parsing over %s", (protocol) => {
  const emulator = useEmulator();
  const call = (authorization: string) =>
    createManagementClient(rawTransport(emulator(), protocol)).getOrgMetadata({ key: "absent" }, { headers: { authorization } });
  const token = () => emulator().user("acme-admin").token;
  const metadataNotFound = { code: Code.NotFound, id: "QUERY-Rph32", text: "Metadata not found" };

  it('splits on "Bearer ", which must occur exactly once, anywhere in the value', async () => {
    await expectZitadelError(call(`Bearer ${token()}`), metadataNotFound);
    await expectZitadelError(call(`xBearer ${token()}`), metadataNotFound);
    const invalid = { code: Code.Unauthenticated, id: "AUTH-toLo1", text: "invalid auth header" };
    await expectZitadelError(call(`bearer ${token()}`), invalid);
    await expectZitadelError(call(`Bearer Bearer ${token()}`), invalid);
    await expectZitadelError(call(token()), invalid);
  });
});

describe("headers over raw HTTP/2 and HTTP/1.1", () => {
  const emulator = useEmulator();
  const orgKey = "first-wins";
  const getOrgMetadata = "/zitadel.management.v1.ManagementService/GetOrgMetadata";

  async function seedGlobexKey(e: Emulator) {
    await clientsAs(e, "grpc", "globex-admin").mgmt.setOrgMetadata({ key: orgKey, value: utf8("globex") });
  }

  /** A gRPC call over a raw HTTP/2 stream, so a header can be sent twice or with a trailing space; resolves to "grpc-status grpc-message". */
  function grpcStatus(e: Emulator, headers: http2.OutgoingHttpHeaders): Promise<string> {
    // GetOrgMetadataRequest { key = 1 }, framed.
    const key = Buffer.from(orgKey);
    const message = Buffer.concat([Buffer.from([0x0a, key.length]), key]);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    return new Promise((resolve, reject) => {
      const session = http2.connect(e.url);
      session.on("error", reject);
      const stream = session.request({
        ":method": "POST",
        ":path": getOrgMetadata,
        "content-type": "application/grpc+proto",
        te: "trailers",
        ...headers,
      });
      let status: string | undefined;
      const read = (h: http2.IncomingHttpHeaders) => {
        if (h["grpc-status"] !== undefined) status ??= `${String(h["grpc-status"])} ${decodeURIComponent(String(h["grpc-message"] ?? ""))}`.trim();
      };
      stream.on("response", read);
      stream.on("trailers", read);
      stream.on("error", reject);
      stream.resume();
      stream.on("end", () => {
        session.close();
        resolve(status ?? "none");
      });
      stream.end(frame);
    });
  }

  /** A REST call over a raw HTTP/1.1 socket, so a header can be sent twice; resolves to the status code. */
  function restStatus(e: Emulator, headerLines: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = connect(e.port, "127.0.0.1", () => {
        socket.write([`GET /management/v1/metadata/${orgKey} HTTP/1.1`, `Host: 127.0.0.1:${e.port}`, "Connection: close", ...headerLines, "", ""].join("\r\n"));
      });
      let response = "";
      socket.on("data", (chunk) => (response += chunk.toString("latin1")));
      socket.on("error", reject);
      socket.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(response)?.[1] ?? 0)));
    });
  }

  it("x-zitadel-orgid twice over gRPC and REST: the first organization is the context", async () => {
    const e = emulator();
    await seedGlobexKey(e);
    const iamToken = e.user("iam-admin").token;
    const globex = e.org("globex").id;
    const acme = e.org("acme").id;
    // OK (0) when globex comes first; NotFound (5) when acme does.
    expect(await grpcStatus(e, { authorization: `Bearer ${iamToken}`, "x-zitadel-orgid": [globex, acme] })).toBe("0");
    expect(await grpcStatus(e, { authorization: `Bearer ${iamToken}`, "x-zitadel-orgid": [acme, globex] })).toBe("5 Metadata not found (QUERY-Rph32)");
    const auth = `Authorization: Bearer ${iamToken}`;
    expect(await restStatus(e, [auth, `x-zitadel-orgid: ${globex}`, `x-zitadel-orgid: ${acme}`])).toBe(200);
    expect(await restStatus(e, [auth, `x-zitadel-orgid: ${acme}`, `x-zitadel-orgid: ${globex}`])).toBe(404);
  });

  it('"Bearer " with nothing after it: HTTP/1.1 trims the space, so ZITADEL sees "Bearer" and answers AUTH-toLo1', async () => {
    const e = emulator();
    expect(await restStatus(e, ["Authorization: Bearer "])).toBe(401);
    const rest = await fetch(`${e.url}/management/v1/metadata/${orgKey}`, { headers: { authorization: "Bearer " } });
    expect(((await rest.json()) as { message: string }).message).toBe("invalid auth header (AUTH-toLo1)");
  });

  it("REST timestamps have microsecond precision (six fractional digits, never nine)", async () => {
    const e = emulator();
    const stamps: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${e.url}/management/v1/metadata/stamp`, {
        method: "POST",
        headers: { authorization: `Bearer ${e.user("acme-admin").token}`, "content-type": "application/json" },
        body: JSON.stringify({ value: btoa(String(i)) }),
      });
      stamps.push(((await res.json()) as { details: { creationDate: string } }).details.creationDate);
    }
    expect(stamps.every((t) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$/.test(t))).toBe(true);
    expect(stamps.some((t) => /\.\d{6}Z$/.test(t))).toBe(true);
  });

  /** A gRPC-web call over a raw HTTP/1.1 socket, so a header can be sent twice; resolves to the grpc-status (headers or trailer frame). */
  function grpcWebStatus(e: Emulator, headerLines: string[]): Promise<string> {
    const key = Buffer.from(orgKey);
    const message = Buffer.concat([Buffer.from([0x0a, key.length]), key]);
    const body = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    return new Promise((resolve, reject) => {
      const socket = connect(e.port, "127.0.0.1", () => {
        const head = [
          `POST ${getOrgMetadata} HTTP/1.1`,
          `Host: 127.0.0.1:${e.port}`,
          "Connection: close",
          "Content-Type: application/grpc-web+proto",
          "X-Grpc-Web: 1",
          `Content-Length: ${body.length}`,
          ...headerLines,
          "",
          "",
        ].join("\r\n");
        socket.write(Buffer.concat([Buffer.from(head, "latin1"), body]));
      });
      let response = "";
      socket.on("data", (chunk) => (response += chunk.toString("latin1")));
      socket.on("error", reject);
      socket.on("close", () => resolve(/grpc-status: ?(\d+)/i.exec(response)?.[1] ?? "none"));
    });
  }

  it("authorization twice over gRPC-web: the first token is used", async () => {
    const e = emulator();
    await seedGlobexKey(e);
    const token = e.user("globex-admin").token;
    expect(await grpcWebStatus(e, [`Authorization: Bearer ${token}`, "Authorization: Bearer not-a-token"])).toBe("0");
    expect(await grpcWebStatus(e, ["Authorization: Bearer not-a-token", `Authorization: Bearer ${token}`])).toBe("16");
  });

  it("authorization twice over REST: the first token is used", async () => {
    const e = emulator();
    await seedGlobexKey(e);
    const token = e.user("globex-admin").token;
    expect(await restStatus(e, [`Authorization: Bearer ${token}`, "Authorization: Bearer not-a-token"])).toBe(200);
    expect(await restStatus(e, ["Authorization: Bearer not-a-token", `Authorization: Bearer ${token}`])).toBe(401);
  });
});

describe("authorize()", () => {
  // Fetch's Headers (and Node's HTTP/2 client) drop or trim a value ending in
  // a space, so the parser itself is checked with the exact header value.
  const headers = (authorization: string) => ({ get: (name: string) => (name === "authorization" ? authorization : null) }) as Headers;

  it("an empty token after \"Bearer \" is AUTH-7fs1e, not 'auth header missing'", async () => {
    const store = new Store();
    store.addOrg("1", "acme");
    store.addUser("2", "u", "1");
    store.tokens.set("t", { userId: "2" });
    const outcome = (value: string) => {
      try {
        return authorize(store, headers(value), "authenticated").user.id;
      } catch (e) {
        return (e as ConnectError).rawMessage;
      }
    };
    expect(outcome("Bearer ")).toBe("Errors.Token.Invalid (AUTH-7fs1e)");
    expect(outcome("")).toBe("auth header missing");
    expect(outcome("Bearer t")).toBe("2");
    expect(outcome("Basic Bearer t")).toBe("2");
    expect(outcome("Bearer tBearer t")).toBe("invalid auth header (AUTH-toLo1)");
  });
});

describe("the role table", () => {
  const table: Record<string, string[]> = {
    IAM_OWNER: ["user.read", "user.write", "org.read", "org.write"],
    IAM_ORG_MANAGER: ["user.read", "user.write", "org.read", "org.write"],
    ORG_OWNER: ["user.read", "user.write", "org.read", "org.write"],
    IAM_USER_MANAGER: ["user.read", "user.write", "org.read"],
    IAM_LOGIN_CLIENT: ["user.read", "user.write", "org.read"],
    ORG_USER_MANAGER: ["user.read", "user.write", "org.read"],
    IAM_OWNER_VIEWER: ["user.read", "org.read"],
    ORG_OWNER_VIEWER: ["user.read", "org.read"],
    ORG_USER_PERMISSION_EDITOR: ["user.read", "org.read"],
    ORG_PROJECT_PERMISSION_EDITOR: ["user.read", "org.read"],
    ORG_SETTINGS_MANAGER: ["org.read", "org.write"],
    SYSTEM_OWNER: [],
    IAM_ADMIN_IMPERSONATOR: [],
    ORG_END_USER_IMPERSONATOR: [],
    ORG_PROJECT_CREATOR: [],
    SELF_MANAGEMENT_GLOBAL: [],
    ORG_USER_SELF_MANAGER: [],
  };
  const roles = Object.keys(table);
  const emulator = useEmulator({
    seed: {
      orgs: [{ name: "acme" }],
      users: [{ userName: "target", org: "acme" }, ...roles.map((role) => ({ userName: role.toLowerCase(), org: "acme", roles: [role] }))],
    },
  });

  it.each(roles)("%s holds exactly the permissions of ZITADEL.md's table", async (role) => {
    const { mgmt } = clientsAs(emulator(), "grpc", role.toLowerCase());
    const id = emulator().user("target").id;
    const attempts: Record<string, () => Promise<unknown>> = {
      "user.read": () => mgmt.listUserMetadata({ id }),
      "user.write": () => mgmt.setUserMetadata({ id, key: `by.${role}`, value: utf8("v") }),
      "org.read": () => mgmt.listOrgMetadata({}),
      "org.write": () => mgmt.setOrgMetadata({ key: `by.${role}`, value: utf8("v") }),
    };
    const granted: string[] = [];
    for (const [permission, attempt] of Object.entries(attempts)) {
      const outcome = await attempt().then(
        () => "ok",
        (e: { code?: Code; rawMessage?: string }) => `${Code[e.code!]} ${e.rawMessage}`,
      );
      if (outcome === "ok") granted.push(permission);
      else expect(outcome).toBe("PermissionDenied No matching permissions found (AUTH-5mWD2)");
    }
    expect(granted).toEqual(table[role]);
  });

  it("a seed naming ORG_USER_VIEWER is refused: ZITADEL has no such role", async () => {
    await expect(startEmulator({ seed: { orgs: [{ name: "a" }], users: [{ userName: "u", org: "a", roles: ["ORG_USER_VIEWER"] }] } })).rejects.toThrow(
      /unknown role "ORG_USER_VIEWER"/,
    );
  });
});

describe("the microsecond clock", () => {
  it("follows the wall clock", async () => {
    const e = await startEmulator();
    try {
      const { mgmt } = clientsAs(e, "grpc", "acme-admin");
      const before = Date.now();
      const set = await mgmt.setOrgMetadata({ key: "t", value: utf8("v") });
      expect(Math.abs(timestampDate(set.details!.creationDate!).getTime() - before)).toBeLessThan(60_000);
    } finally {
      await e.close();
    }
  });
});
