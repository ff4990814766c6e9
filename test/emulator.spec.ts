// The emulator's ZITADEL semantics: details, sequences, timestamps, list
// paging and queries, and resilience against bad input.
import { connect } from "node:net";
import { request } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { TextQueryMethod } from "../gen/zitadel/object_pb.js";
import { startEmulator } from "../src/emulator/index.js";
import { Store } from "../src/emulator/store.js";
import { useEmulator } from "./support/emulator.js";
import { clientsAs, expectBytes, expectZitadelError, protocols, utf8 } from "./support/protocols.js";

describe.each(protocols)("emulator semantics over %s", (protocol) => {
  const emulator = useEmulator();
  const admin = () => clientsAs(emulator(), protocol, "acme-admin").mgmt;
  const alice = () => emulator().user("alice").id;

  it("a request over gRPC's 4 MiB message limit is refused with ResourceExhausted and writes nothing", async () => {
    const metadata = Array.from({ length: 9 }, (_, i) => ({ key: `huge.${i}`, value: new Uint8Array(500_000).fill(i) }));
    const err = await admin()
      .bulkSetUserMetadata({ id: alice(), metadata })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.ResourceExhausted);
    const listed = await admin().listUserMetadata({
      id: alice(),
      queries: [{ query: { case: "keyQuery", value: { key: "huge.", method: TextQueryMethod.STARTS_WITH } } }],
    });
    expect(listed.details?.totalResult).toBe(0n);
    // Just under the limit passes, even over REST where base64 makes the body larger than 4 MiB.
    await admin().bulkSetUserMetadata({ id: alice(), metadata: metadata.slice(0, 8) });
  });

  it("all eight TextQueryMethods on keys", async () => {
    const { auth } = clientsAs(emulator(), protocol, "alice");
    await admin().bulkSetUserMetadata({
      id: alice(),
      metadata: ["Team.Alpha", "team.beta", "other.alpha"].map((key) => ({ key, value: utf8("v") })),
    });
    const listedKeys = async (key: string, method: TextQueryMethod) =>
      (
        await auth.listMyMetadata({
          queries: [{ query: { case: "keyQuery", value: { key, method } } }],
        })
      ).result.map((m) => m.key);
    // Lists have no order (ZITADEL.md): compare as sets.
    const keysFor = async (key: string, method: TextQueryMethod) => (await listedKeys(key, method)).sort();
    expect(await keysFor("team.beta", TextQueryMethod.EQUALS)).toEqual(["team.beta"]);
    expect(await keysFor("TEAM.BETA", TextQueryMethod.EQUALS)).toEqual([]);
    expect(await keysFor("TEAM.BETA", TextQueryMethod.EQUALS_IGNORE_CASE)).toEqual(["team.beta"]);
    expect(await keysFor("team.", TextQueryMethod.STARTS_WITH)).toEqual(["team.beta"]);
    expect(await keysFor("team.", TextQueryMethod.STARTS_WITH_IGNORE_CASE)).toEqual(["Team.Alpha", "team.beta"]);
    expect(await keysFor("alpha", TextQueryMethod.CONTAINS)).toEqual(["other.alpha"]);
    expect(await keysFor("ALPHA", TextQueryMethod.CONTAINS_IGNORE_CASE)).toEqual(["Team.Alpha", "other.alpha"]);
    expect(await keysFor("Alpha", TextQueryMethod.ENDS_WITH)).toEqual(["Team.Alpha"]);
    expect(await keysFor("ALPHA", TextQueryMethod.ENDS_WITH_IGNORE_CASE)).toEqual(["Team.Alpha", "other.alpha"]);
    // Several queries must all match.
    const both = await auth.listMyMetadata({
      queries: [
        { query: { case: "keyQuery", value: { key: "team", method: TextQueryMethod.STARTS_WITH_IGNORE_CASE } } },
        { query: { case: "keyQuery", value: { key: "alpha", method: TextQueryMethod.ENDS_WITH_IGNORE_CASE } } },
      ],
    });
    expect(both.result.map((m) => m.key)).toEqual(["Team.Alpha"]);
  });
});

describe("emulator resilience", () => {
  const emulator = useEmulator();

  function rawHttp(path: string, body: Buffer, headers: Record<string, string>): Promise<number> {
    const url = new URL(path, emulator().url);
    return new Promise((resolve, reject) => {
      const req = request(url, { method: "POST", headers }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  function rawSocket(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      const socket = connect(emulator().port, "127.0.0.1", () => socket.end(bytes));
      socket.on("data", () => {});
      socket.on("close", () => resolve());
      socket.on("error", () => resolve());
      setTimeout(() => socket.destroy(), 1_000);
    });
  }

  it("survives garbage on the socket, broken HTTP/2 and malformed messages, and keeps its state", async () => {
    const { mgmt } = clientsAs(emulator(), "grpc", "acme-admin");
    await mgmt.setOrgMetadata({ key: "survivor", value: utf8("still here") });
    const token = emulator().user("acme-admin").token;
    const method = "/zitadel.management.v1.ManagementService/SetOrgMetadata";

    await rawSocket(Buffer.from("\x00\x01\x02garbage\r\n\r\n"));
    await rawSocket(Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\xff\xff\xff\xff\xff\xff\xff\xff\xff"));
    await rawSocket(Buffer.from("PRI * HT"));
    const badProto = Buffer.from([0, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0xff]);
    // gRPC-web answers every failure with HTTP 200 and the status in the headers.
    expect(await rawHttp(method, badProto, { "content-type": "application/grpc-web+proto", authorization: `Bearer ${token}` })).toBe(200);
    expect(await rawHttp(method, Buffer.from([0, 0, 0, 9, 9]), { "content-type": "application/grpc-web+proto" })).toBe(200);
    expect(await rawHttp(method, Buffer.from("%%%"), { "content-type": "application/grpc-web-text" })).toBe(200);
    // JSON on a gRPC path is not served (no Connect on v1): the REST gateway's 404.
    expect(await rawHttp(method, Buffer.from("{not json"), { "content-type": "application/json", authorization: `Bearer ${token}` })).toBe(404);
    expect(await rawHttp(method, Buffer.from('{"key": 12}'), { "content-type": "application/json", authorization: `Bearer ${token}` })).toBe(404);

    expectBytes((await mgmt.getOrgMetadata({ key: "survivor" })).metadata?.value, utf8("still here"));
    const listed = await mgmt.listOrgMetadata({});
    expect(listed.result.map((m) => m.key)).toEqual(["survivor"]);
  });

  it("binds loopback by default", async () => {
    expect(new URL(emulator().url).hostname).toBe("127.0.0.1");
  });

  it("rejects an inconsistent seed with an error that names the entry", async () => {
    await expect(startEmulator({ seed: { orgs: [{ name: "a" }], users: [{ userName: "u", org: "b" }] } })).rejects.toThrow(
      /users\[0\].*no organization named "b"/,
    );
    await expect(startEmulator({ seed: { orgs: [{ name: "a" }], users: [{ userName: "u", org: "a", roles: ["ORG_KING"] }] } })).rejects.toThrow(
      /unknown role "ORG_KING"/,
    );
  });
});

describe("emulator store", () => {
  it("an org write on an organization that no longer exists fails with COMMAND-QXPGs", async () => {
    // Unreachable through the API (the org header is checked first), but
    // ZITADEL's command layer has it for a race with org removal.
    const store = new Store();
    const org = store.addOrg("1", "gone");
    org.removed = true;
    const orgNotFound = { code: Code.FailedPrecondition, id: "COMMAND-QXPGs", text: "Organisation not found" };
    await expectZitadelError(
      Promise.resolve().then(() => store.setOrgMetadata("1", "k", utf8("v"))),
      orgNotFound,
    );
    await expectZitadelError(
      Promise.resolve().then(() => store.removeOrgMetadata("1", "k")),
      orgNotFound,
    );
    await expectZitadelError(
      Promise.resolve().then(() => store.bulkSetOrgMetadata("1", [{ key: "k", value: utf8("v") }])),
      orgNotFound,
    );
  });
});
