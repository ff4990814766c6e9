// The high-level metadata API over every protocol, against the emulator.
import type { Interceptor } from "@connectrpc/connect";
import { Code, createRouterTransport } from "@connectrpc/connect";
import { ManagementService } from "../gen/zitadel/management_pb.js";
import { describe, expect, it } from "vitest";
import type { ZitadelProtocol } from "../src/index.js";
import {
  createMetadataClient,
  createZitadelTransport,
  getErrorDetail,
  isMetadataNotFound,
  isPermissionDenied,
  isUnauthenticated,
  isUserNotFound,
  json,
  MetadataEntry,
} from "../src/index.js";
import type { Emulator } from "../src/emulator/index.js";
import { createMetadataClient as createQuickMetadataClient } from "../src/quick.js";
import { useEmulator } from "./support/emulator.js";
import { zitadelRejection as rejection } from "./support/failures.js";
import { expectBytes, protocols } from "./support/protocols.js";

/** A metadata client acting as a seeded user, counting the RPCs it makes by method name. */
function metadataAs(emulator: Emulator, protocol: ZitadelProtocol, userName: string, orgId?: string) {
  const calls: string[] = [];
  const count: Interceptor = (next) => (req) => {
    calls.push(req.method.name);
    return next(req);
  };
  const transport = createZitadelTransport({
    baseUrl: emulator.url,
    protocol,
    auth: emulator.user(userName).token,
    orgId,
    interceptors: [count],
  });
  return { md: createMetadataClient(transport), calls };
}

describe.each(protocols)("high-level metadata API over %s", (protocol) => {
  const emulator = useEmulator();
  const admin = () => metadataAs(emulator(), protocol, "acme-admin");
  const alice = () => emulator().user("alice").id;

  it("set and get strings, bytes and JSON without any base64", async () => {
    const { md } = admin();
    const user = md.user(alice());
    const set = await user.set("plan", "pro ✓");
    expect(set.details.creationDate).toBeInstanceOf(Date);
    expect(set.details.resourceOwner).toBe(emulator().org("acme").id);
    await user.set("raw", new Uint8Array([0xff, 0x00, 0xfe]));
    await user.set("prefs", json({ theme: "dark", n: 1 }));

    const plan = await user.get("plan");
    expect(plan).toBeInstanceOf(MetadataEntry);
    expect(plan?.text()).toBe("pro ✓");
    expect(plan?.details.changeDate).toBeInstanceOf(Date);
    expect(typeof plan?.details.sequence).toBe("bigint");
    expectBytes((await user.get("raw"))?.value, new Uint8Array([0xff, 0x00, 0xfe]));
    expect(() => plan && new TextDecoder().decode(plan.value)).not.toThrow();
    const raw = await user.get("raw");
    expect(() => raw?.text()).toThrow(/"raw" is not UTF-8 text \(3 bytes\)/);
    expect((await user.get("prefs"))?.json()).toEqual({ theme: "dark", n: 1 });
    expect(() => plan?.json()).toThrow(/"plan" is not JSON/);
    // A string that looks like base64 is stored as that text, not decoded.
    await user.set("b64", "VGhpcw==");
    expect((await user.get("b64"))?.text()).toBe("VGhpcw==");
  });

  it("get returns undefined only for a missing key; every other error throws a ZitadelError", async () => {
    const { md } = admin();
    expect(await md.user(alice()).get("missing")).toBeUndefined();
    expect(await md.org().get("missing")).toBeUndefined();
    const aliceMd = metadataAs(emulator(), protocol, "alice").md;
    expect(await aliceMd.me().get("missing")).toBeUndefined();

    const noMembership = await rejection(aliceMd.user(alice()).get("x"));
    expect(noMembership.code).toBe(Code.NotFound);
    expect(noMembership.id).toBe("AUTHZ-cdgFk");
    expect(isPermissionDenied(noMembership)).toBe(true);
    expect(isMetadataNotFound(noMembership)).toBe(false);
    expect(noMembership.httpStatus).toBe(protocol === "rest" ? 404 : undefined);
    expect(getErrorDetail(noMembership)).toMatchObject({ id: "AUTHZ-cdgFk", message: "membership not found" });

    const bad = createMetadataClient(createZitadelTransport({ baseUrl: emulator().url, protocol, auth: "not-a-token" }));
    const unauthenticated = await rejection(bad.org().get("x"));
    expect(isUnauthenticated(unauthenticated)).toBe(true);
    expect(unauthenticated.id).toBe("AUTH-7fs1e");
    expect(unauthenticated.httpStatus).toBe(protocol === "rest" ? 401 : undefined);
  });

  it("a user of another org: isUserNotFound with a hint at the org header; org(id) and per-call orgId fix it", async () => {
    const bob = emulator().user("bob").id;
    const globex = emulator().org("globex").id;
    const { md } = metadataAs(emulator(), protocol, "iam-admin");
    const err = await rejection(md.user(bob).set("k", "v"));
    expect(isUserNotFound(err)).toBe(true);
    expect(err.id).toBe("COMMAND-uXHNj");
    expect(err.rawMessage).toBe("User could not be found (COMMAND-uXHNj)");
    expect(err.message).toMatch(/orgId.*x-zitadel-orgid/);
    expect(err.code).toBe(Code.FailedPrecondition);

    await md.user(bob).set("k", "v", { orgId: globex });
    expect((await md.user(bob).get("k", { orgId: globex }))?.text()).toBe("v");
    await md.org(globex).set("org-key", "in globex");
    expect((await md.org(globex).get("org-key"))?.details.resourceOwner).toBe(globex);
    expect(await md.org().get("org-key")).toBeUndefined();
  });

  it("remove, and removing a missing key throws isMetadataNotFound", async () => {
    const org = admin().md.org();
    await org.set("temp", "1");
    const removed = await org.remove("temp");
    expect(removed.details.changeDate).toBeInstanceOf(Date);
    expect(await org.get("temp")).toBeUndefined();
    const err = await rejection(org.remove("temp"));
    expect(isMetadataNotFound(err)).toBe(true);
    expect(err.id).toBe("META-mcnw3");
  });

  it("me() reads the caller's own metadata and lists it", async () => {
    await admin().md.user(alice()).set("me.one", "1");
    const me = metadataAs(emulator(), protocol, "alice").md.me();
    expect((await me.get("me.one"))?.text()).toBe("1");
    const keys = (await me.list({ prefix: "me." }).toArray()).map((e) => e.key);
    expect(keys).toEqual(["me.one"]);
    expect("set" in me).toBe(false);
  });

  it("list fetches pages lazily, each key once in the server's order, with prefix and query filters", async () => {
    const { md, calls } = admin();
    const entries = Object.fromEntries(Array.from({ length: 35 }, (_, i) => [`page.${String(i).padStart(2, "0")}`, `v${i}`]));
    await md.user(alice()).setMany(entries);
    calls.length = 0;
    const seen: string[] = [];
    for await (const entry of md.user(alice()).list({ prefix: "page.", pageSize: 10 })) {
      seen.push(entry.key);
      if (seen.length === 5) break;
    }
    expect(seen).toHaveLength(5);
    expect(calls).toEqual(["ListUserMetadata"]);

    calls.length = 0;
    const all = await md.user(alice()).list({ prefix: "page.", pageSize: 10 }).toArray();
    // No order is promised (ZITADEL's lists have none): compare as sets, and count.
    expect(all.map((e) => e.key).sort()).toEqual(Object.keys(entries).sort());
    // Four pages; more only if the order changed between them (the exact request count per order is in exact-list.spec.ts).
    expect(calls.length).toBeGreaterThanOrEqual(4);

    const filtered = await md
      .user(alice())
      .list({ prefix: "page.", query: { key: "5", match: "endsWith" } })
      .toObject();
    expect(Object.keys(filtered).sort()).toEqual(["page.05", "page.15", "page.25"]);
    expect(filtered["page.15"]?.text()).toBe("v15");
  });

  it("setMany splits by count and by bytes; removeMany too; every byte arrives", async () => {
    const { md, calls } = admin();
    const org = md.org();
    const many = Object.fromEntries(Array.from({ length: 1_201 }, (_, i) => [`bulk.${i}`, `value ${i}`]));
    calls.length = 0;
    const result = await org.setMany(many);
    expect(result).toMatchObject({ requests: 3, count: 1_201 });
    expect(calls).toEqual(["BulkSetOrgMetadata", "BulkSetOrgMetadata", "BulkSetOrgMetadata"]);
    expect(result.details?.sequence).toBeGreaterThan(0n);
    const stored = await org.list({ prefix: "bulk." }).toObject();
    expect(Object.keys(stored)).toHaveLength(1_201);
    expect(stored["bulk.1200"]?.text()).toBe("value 1200");

    // Eight values of 450 kB: 3.6 MB in all, more than one 4 MiB gRPC message can carry safely.
    const big = new Map(Array.from({ length: 8 }, (_, i) => [`big.${i}`, new Uint8Array(450_000).fill(i + 1)] as const));
    calls.length = 0;
    const bigResult = await org.setMany(big, { concurrency: 2 });
    expect(bigResult.requests).toBe(2);
    for (const [key, value] of big) expectBytes((await org.get(key))?.value, value);

    calls.length = 0;
    const removed = await org.removeMany(Object.keys(many), { maxEntriesPerRequest: 1_000 });
    expect(removed).toMatchObject({ requests: 2, count: 1_201 });
    expect(await org.list({ prefix: "bulk." }).toArray()).toEqual([]);
  });

  it("bad input fails before anything is sent, naming the key and the fix", async () => {
    const { md, calls } = admin();
    const user = md.user(alice());
    calls.length = 0;
    await expect(user.set("k".repeat(201), "v")).rejects.toThrow(/1 to 200 characters, this one has 201/);
    await expect(user.set("empty", "")).rejects.toThrow(/"empty": values must be 1 to 500000 bytes.*remove\(\)/);
    await expect(user.set("n", 42 as unknown as string)).rejects.toThrow(
      /"n": expected a string, a Uint8Array, json\(value\) or an entry from get\(\)\/list\(\).*json\(\.\.\.\)/,
    );
    await expect(user.set("u", json(undefined))).rejects.toThrow(/json\(\) got a value JSON cannot represent/);
    await expect(user.setMany({ good: "1", bad: new Uint8Array(500_001) })).rejects.toThrow(/"bad": values must be 1 to 500000 bytes/);
    await expect(user.removeMany(["ok", ""])).rejects.toThrow(/1 to 200 characters, this one has 0/);
    expect(() => md.user("12\n3")).toThrow(/user\(userId\): expected a ZITADEL user id/);
    expect(() => md.user("")).toThrow(/user\(userId\).*got a string of 0 characters/);
    expect(calls).toEqual([]);
    expect(await user.get("good")).toBeUndefined();
  });

  it("per-call timeout and signal", async () => {
    const { md } = admin();
    emulator().faults.latencyMs = 2_000;
    try {
      const late = await rejection(md.org().get("x", { timeoutMs: 50 }));
      expect(late.code).toBe(Code.DeadlineExceeded);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const aborted = await rejection(md.org().list({ signal: controller.signal }).toArray());
      expect(aborted.code).toBe(Code.Canceled);
    } finally {
      emulator().faults.latencyMs = 0;
    }
  });
});

describe("createMetadataClient", () => {
  const emulator = useEmulator();
  it("takes a transport; the one-line form on options lives in zitadel-metadata/quick", async () => {
    const md = createQuickMetadataClient({ baseUrl: emulator().url, protocol: "grpc", auth: emulator().user("acme-admin").token });
    await md.org().set("direct", "yes");
    expect((await md.org().get("direct"))?.text()).toBe("yes");
    const options = { baseUrl: emulator().url, protocol: "grpc", auth: "t" };
    expect(() => createMetadataClient(options as never)).toThrow(
      /createMetadataClient\(transport\): expected a transport .*import \{ createMetadataClient \} from "zitadel-metadata\/quick"/,
    );
  });
});

describe("high-level API edge cases", () => {
  const emulator = useEmulator();
  const md = () => metadataAs(emulator(), "grpc", "acme-admin").md;

  it("refuses bulk limits and list orders that are not usable, before any request", async () => {
    const { md: client, calls } = metadataAs(emulator(), "grpc", "acme-admin");
    await expect(client.org().setMany({ a: "1" }, { concurrency: Number.NaN })).rejects.toThrow(
      /setMany\(\): option "concurrency" must be a whole number of at least 1, got NaN/,
    );
    await expect(client.org().removeMany(["a"], { maxEntriesPerRequest: 0 })).rejects.toThrow(/removeMany\(\): option "maxEntriesPerRequest"/);
    await expect(client.org().setMany({ a: "1" }, { maxBytesPerRequest: 1.5 })).rejects.toThrow(/"maxBytesPerRequest"/);
    // A string is iterable, but removeMany("plan") must not remove "p", "l", "a", "n".
    await expect(client.org().removeMany("plan" as never)).rejects.toThrow(
      /removeMany\(\): expected a list of keys, got the string "plan"; to remove one key, pass \["plan"\]/,
    );
    await expect(client.org().setMany(42 as never)).rejects.toThrow(/setMany\(\): expected an object of key: value, or \[key, value\] pairs, got number/);
    expect(() => client.org().list({ pageSize: 5e9 })).toThrow(/pageSize must be a whole number from 1 to 4294967295, got 5000000000/);
    expect(() => client.org().list({ prefix: 123 as never })).toThrow(/prefix must be a string, got number/);
    // There is no order to ask for: ZITADEL's lists have none.
    expect(() => client.org().list({ order: "asc" } as never)).toThrow(/there is no "order": ZITADEL's lists have no order/);
    expect(calls).toEqual([]);
  });

  it("text() keeps a leading byte order mark: values come back exactly", async () => {
    await md().org().set("bom", "\uFEFFabc");
    const entry = await md().org().get("bom");
    expect(entry?.text()).toBe("\uFEFFabc");
    expect([...(entry?.value ?? [])].slice(0, 3)).toEqual([0xef, 0xbb, 0xbf]);
  });

  it("list() follows totalResult when a server returns shorter pages than asked for", async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `k${i}`);
    const capped = createRouterTransport((router) =>
      router.service(ManagementService, {
        listOrgMetadata(req) {
          const offset = Number(req.query?.offset ?? 0n);
          // This server never returns more than 3 rows, whatever the limit.
          const page = keys.slice(offset, offset + Math.min(3, req.query?.limit ?? 3));
          return { details: { totalResult: BigInt(keys.length) }, result: page.map((key) => ({ key, value: new Uint8Array([1]) })) };
        },
      }),
    );
    const listed = await createMetadataClient(capped).org().list({ pageSize: 5 }).toArray();
    expect(listed.map((e) => e.key)).toEqual(keys);
  });
});
