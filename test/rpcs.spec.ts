// The happy path of all 14 metadata RPCs, over every protocol.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { TextQueryMethod } from "../gen/zitadel/object_pb.js";
import { useEmulator } from "./support/emulator.js";
import { withOrgId } from "../src/index.js";
import { clientsAs, expectBytes, protocols, utf8 } from "./support/protocols.js";

const keyQuery = (key: string, method = TextQueryMethod.EQUALS) => ({
  query: { case: "keyQuery" as const, value: { key, method } },
});

describe.each(protocols)("metadata RPCs over %s", (protocol) => {
  const emulator = useEmulator();

  it("SetUserMetadata, GetUserMetadata, ListUserMetadata, RemoveUserMetadata", async () => {
    const { mgmt } = clientsAs(emulator(), protocol, "acme-admin");
    const alice = emulator().user("alice");
    const before = Date.now();
    const set = await mgmt.setUserMetadata({ id: alice.id, key: "plan", value: utf8("pro") });
    expect(set.id).toBe("");
    expect(set.details?.resourceOwner).toBe(alice.orgId);
    expect(set.details?.sequence).toBeGreaterThan(0n);
    expect(timestampDate(set.details!.creationDate!).getTime()).toBeGreaterThanOrEqual(before - 1);

    const got = await mgmt.getUserMetadata({ id: alice.id, key: "plan" });
    expect(got.metadata?.key).toBe("plan");
    expectBytes(got.metadata?.value, utf8("pro"));
    expect(got.metadata?.details?.sequence).toBe(set.details?.sequence);
    expect(got.metadata?.details?.resourceOwner).toBe(alice.orgId);

    const list = await mgmt.listUserMetadata({ id: alice.id, queries: [keyQuery("plan")] });
    expect(list.details?.totalResult).toBe(1n);
    expect(list.result.map((m) => [m.key, new TextDecoder().decode(m.value)])).toEqual([["plan", "pro"]]);

    const removed = await mgmt.removeUserMetadata({ id: alice.id, key: "plan" });
    expect(removed.details?.sequence).toBeGreaterThan(set.details!.sequence);
    expect(removed.details?.changeDate).toBeDefined();
    expect((await mgmt.listUserMetadata({ id: alice.id, queries: [keyQuery("plan")] })).result).toEqual([]);
  });

  it("BulkSetUserMetadata and BulkRemoveUserMetadata", async () => {
    const { mgmt } = clientsAs(emulator(), protocol, "acme-admin");
    const alice = emulator().user("alice");
    const bulk = await mgmt.bulkSetUserMetadata({
      id: alice.id,
      metadata: [
        { key: "bulk.a", value: utf8("1") },
        { key: "bulk.b", value: utf8("2") },
        { key: "bulk.c", value: utf8("3") },
      ],
    });
    expect(bulk.details?.resourceOwner).toBe(alice.orgId);
    const listed = await mgmt.listUserMetadata({
      id: alice.id,
      query: { asc: true },
      queries: [keyQuery("bulk.", TextQueryMethod.STARTS_WITH)],
    });
    // No order is promised: compare by key.
    const byKey = Object.fromEntries(listed.result.map((m) => [m.key, m.details!.sequence]));
    expect(Object.keys(byKey).sort()).toEqual(["bulk.a", "bulk.b", "bulk.c"]);
    // Three events, one per key in request order: the last one's sequence is the bulk's.
    expect(byKey).toEqual({
      "bulk.a": bulk.details!.sequence - 2n,
      "bulk.b": bulk.details!.sequence - 1n,
      "bulk.c": bulk.details!.sequence,
    });

    const removed = await mgmt.bulkRemoveUserMetadata({ id: alice.id, keys: ["bulk.a", "bulk.c"] });
    expect(removed.details?.sequence).toBeGreaterThan(bulk.details!.sequence);
    const rest = await mgmt.listUserMetadata({ id: alice.id, queries: [keyQuery("bulk.", TextQueryMethod.STARTS_WITH)] });
    expect(rest.result.map((m) => m.key)).toEqual(["bulk.b"]);
  });

  it("SetOrgMetadata, GetOrgMetadata, ListOrgMetadata, RemoveOrgMetadata", async () => {
    const { mgmt } = clientsAs(emulator(), protocol, "acme-admin");
    const acme = emulator().org("acme");
    const set = await mgmt.setOrgMetadata({ key: "tier", value: utf8("gold") });
    expect(set.details?.resourceOwner).toBe(acme.id);
    const got = await mgmt.getOrgMetadata({ key: "tier" });
    expectBytes(got.metadata?.value, utf8("gold"));
    expect(got.metadata?.details?.resourceOwner).toBe(acme.id);
    const list = await mgmt.listOrgMetadata({});
    expect(list.result.map((m) => m.key)).toContain("tier");
    await mgmt.removeOrgMetadata({ key: "tier" });
    expect((await mgmt.listOrgMetadata({})).result.map((m) => m.key)).not.toContain("tier");
  });

  it("BulkSetOrgMetadata and BulkRemoveOrgMetadata", async () => {
    const { mgmt } = clientsAs(emulator(), protocol, "acme-admin");
    await mgmt.bulkSetOrgMetadata({
      metadata: [
        { key: "org.x", value: utf8("x") },
        { key: "org.y", value: utf8("y") },
      ],
    });
    const listed = await mgmt.listOrgMetadata({ queries: [keyQuery("org.", TextQueryMethod.STARTS_WITH)] });
    expect(listed.result.map((m) => m.key).sort()).toEqual(["org.x", "org.y"]);
    await mgmt.bulkRemoveOrgMetadata({ keys: ["org.x", "org.y"] });
    const after = await mgmt.listOrgMetadata({ queries: [keyQuery("org.", TextQueryMethod.STARTS_WITH)] });
    expect(after.details?.totalResult).toBe(0n);
  });

  it("ListMyMetadata and GetMyMetadata read the caller's own user", async () => {
    const alice = emulator().user("alice");
    await clientsAs(emulator(), protocol, "acme-admin").mgmt.setUserMetadata({
      id: alice.id,
      key: "mine",
      value: utf8("for alice"),
    });
    const { auth } = clientsAs(emulator(), protocol, "alice");
    const got = await auth.getMyMetadata({ key: "mine" });
    expectBytes(got.metadata?.value, utf8("for alice"));
    expect(got.metadata?.details?.resourceOwner).toBe(alice.orgId);
    const list = await auth.listMyMetadata({ queries: [keyQuery("mine")] });
    expect(list.result.map((m) => m.key)).toEqual(["mine"]);
    expect(list.details?.totalResult).toBe(1n);
  });
});

describe.each(protocols)("odd keys through the generated clients over %s", (protocol) => {
  const emulator = useEmulator();
  // Percent signs, spaces, query and fragment characters, unicode and dots must survive path
  // templates on REST and stay plain strings on the other protocols. A slash only works off
  // REST: ZITADEL's gateway decodes %2F before it splits the path (see the next block).
  const keys = [
    ...(protocol === "rest" ? [] : ["a/b"]),
    "100%",
    "with space",
    "q?x#y",
    "ünïcödé ✓",
    "plus+sign",
    "a.b",
    "%2F",
    "%5Fbulk",
    "_bulkish",
    "x".repeat(200),
  ];

  it("set, get, list and remove each key exactly", async () => {
    const { mgmt } = clientsAs(emulator(), protocol, "acme-admin");
    const alice = emulator().user("alice");
    for (const key of keys) {
      await mgmt.setUserMetadata({ id: alice.id, key, value: utf8(`v:${key}`) });
      expect((await mgmt.getUserMetadata({ id: alice.id, key })).metadata?.key).toBe(key);
      await mgmt.setOrgMetadata({ key, value: utf8(key) });
      expectBytes((await mgmt.getOrgMetadata({ key })).metadata?.value, utf8(key));
    }
    const listed = await mgmt.listUserMetadata({ id: alice.id, query: { asc: true } });
    expect(listed.result.map((m) => m.key).sort()).toEqual([...keys].sort());
    const mine = await clientsAs(emulator(), protocol, "alice").auth.getMyMetadata({ key: keys[0]! });
    expectBytes(mine.metadata?.value, utf8(`v:${keys[0]}`));
    for (const key of keys) await mgmt.removeUserMetadata({ id: alice.id, key });
    expect((await mgmt.listUserMetadata({ id: alice.id })).result).toEqual([]);
  });
});

describe.each(protocols)("keys REST cannot address, over %s", (protocol) => {
  const emulator = useEmulator();
  // Over REST, ZITADEL's gateway decodes the whole path before it splits it, so "a/b" would
  // match no route; its router redirects paths with "." and ".." segments; and "_bulk"/"_search"
  // would reach another RPC's literal route. The client refuses them before sending anything.
  const unaddressable = ["a/b", "/", "_bulk", "_search", ".", ".."];

  it("work over gRPC-family protocols and are refused before sending over REST", async () => {
    let fetched = 0;
    const counting: typeof globalThis.fetch = (input, init) => {
      fetched++;
      return globalThis.fetch(input, init);
    };
    const { mgmt } = clientsAs(emulator(), protocol, "acme-admin", protocol === "rest" ? { fetch: counting } : {});
    const { auth } = clientsAs(emulator(), protocol, "alice", protocol === "rest" ? { fetch: counting } : {});
    const alice = emulator().user("alice");
    for (const key of unaddressable) {
      const set = mgmt.setUserMetadata({ id: alice.id, key, value: utf8("v") });
      if (protocol !== "rest") {
        await expect(set).resolves.toBeDefined();
        expect((await auth.getMyMetadata({ key })).metadata?.key).toBe(key);
        continue;
      }
      const err = await set.catch((e: unknown) => e);
      expect(err, key).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.InvalidArgument);
      expect((err as ConnectError).rawMessage).toContain(`SetUserMetadataRequest.key "${key}" cannot be sent over REST`);
      expect((err as ConnectError).rawMessage).toMatch(/Use protocol "grpc" or "grpc-web"/);
    }
    if (protocol === "rest") {
      const mine = await auth.getMyMetadata({ key: "a/b" }).catch((e: unknown) => e);
      expect((mine as ConnectError).code).toBe(Code.InvalidArgument);
      expect(fetched).toBe(0);
    }
    const stored = (await mgmt.listUserMetadata({ id: alice.id })).result.map((m) => m.key);
    expect(stored.sort()).toEqual(protocol === "rest" ? [] : [...unaddressable].sort());
  });

  it("the bulk calls carry keys in the body, so the same keys work there on every protocol", async () => {
    const { mgmt } = clientsAs(emulator(), protocol, "iam-admin");
    const bob = emulator().user("bob");
    const globex = { contextValues: withOrgId(bob.orgId) };
    await mgmt.bulkSetUserMetadata({ id: bob.id, metadata: unaddressable.map((key) => ({ key, value: utf8(key) })) }, globex);
    const listed = (await mgmt.listUserMetadata({ id: bob.id }, globex)).result;
    expect(listed.map((m) => [m.key, new TextDecoder().decode(m.value)]).sort()).toEqual(unaddressable.map((k) => [k, k]).sort());
    await mgmt.bulkRemoveUserMetadata({ id: bob.id, keys: unaddressable }, globex);
    expect((await mgmt.listUserMetadata({ id: bob.id }, globex)).result).toEqual([]);
  });
});
