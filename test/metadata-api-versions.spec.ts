// The high-level metadata API, one suite over {v1, v2} × every protocol
// ZITADEL serves that API over, against the emulator's default (ZITADEL's)
// behaviour: the same code, the same results, the same error predicates.
// Where the two APIs really differ (what v2 cannot send, what it decides
// differently), the test says so and asserts both sides.
import type { Interceptor } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { MetadataApiName, MetadataClientOptions, ZitadelProtocol } from "../src/index.js";
import {
  createMetadataClient,
  createZitadelTransport,
  isMetadataNotFound,
  isPermissionDenied,
  isUnauthenticated,
  isUserNotFound,
  json,
  ZitadelConfigError,
} from "../src/index.js";
import type { Emulator } from "../src/emulator/index.js";
import { useEmulator } from "./support/emulator.js";
import { zitadelRejection as rejection } from "./support/failures.js";
import { expectBytes, servedPairs } from "./support/protocols.js";

/** A metadata client acting as a seeded user, counting the RPCs it makes (service/method). */
function clientAs(emulator: Emulator, api: MetadataApiName, protocol: ZitadelProtocol, userName: string, options: MetadataClientOptions = {}) {
  const calls: string[] = [];
  const count: Interceptor = (next) => (req) => {
    calls.push(`${req.service.typeName.split(".").slice(-2).join(".")}/${req.method.name}`);
    return next(req);
  };
  const transport = createZitadelTransport({ baseUrl: emulator.url, protocol, auth: emulator.user(userName).token, interceptors: [count] });
  // v2 names the organization in the request: the user's own org, as v1's context org would be.
  const orgId = api === "v2" ? emulator.user(userName).orgId : undefined;
  return { md: createMetadataClient(transport, { api, orgId, ...options }), calls };
}

const keysOf = async (list: AsyncIterable<{ key: string }>) => {
  const keys: string[] = [];
  for await (const e of list) keys.push(e.key);
  return keys.sort();
};

describe.each(servedPairs)("high-level API on %s over %s", (api, protocol) => {
  const emulator = useEmulator();
  const admin = () => clientAs(emulator(), api, protocol, "acme-admin");
  const alice = () => emulator().user("alice").id;
  // Every test writes under its own prefix, so tests sharing the emulator never see each other's keys.
  let n = 0;
  const prefix = () => `${api}.${protocol}.${++n}.`;

  it("set and get strings, bytes and JSON; details say what the version sends", async () => {
    const p = prefix();
    const user = admin().md.user(alice());
    const set = await user.set(`${p}plan`, "pro ✓");
    // When it was written: v1's first write of a key reports its creation date, v2 the change date.
    expect(set.details.changeDate ?? set.details.creationDate).toBeInstanceOf(Date);
    await user.set(`${p}raw`, new Uint8Array([0xff, 0x00, 0xfe]));
    await user.set(`${p}prefs`, json({ theme: "dark" }));
    const plan = await user.get(`${p}plan`);
    expect(plan?.text()).toBe("pro ✓");
    expect(plan?.details.changeDate).toBeInstanceOf(Date);
    expect(plan?.details.creationDate).toBeInstanceOf(Date);
    expectBytes((await user.get(`${p}raw`))?.value, new Uint8Array([0xff, 0x00, 0xfe]));
    expect((await user.get(`${p}prefs`))?.json()).toEqual({ theme: "dark" });
    if (api === "v1") {
      // v1 sends the aggregate's sequence and the owning organization.
      expect(typeof plan?.details.sequence).toBe("bigint");
      expect(set.details.resourceOwner).toBe(emulator().org("acme").id);
    } else {
      // v2 sends neither: they are undefined, never a made-up 0 or "".
      expect(plan?.details.sequence).toBeUndefined();
      expect(plan?.details.resourceOwner).toBeUndefined();
      expect(set.details.sequence).toBeUndefined();
    }
  });

  it("get is undefined only for a missing key, on users, orgs and me()", async () => {
    const { md } = admin();
    expect(await md.user(alice()).get("missing")).toBeUndefined();
    expect(await md.org().get("missing")).toBeUndefined();
    const self = api === "v2" ? { selfUserId: alice() } : {};
    expect(await clientAs(emulator(), api, protocol, "alice", self).md.me().get("missing")).toBeUndefined();
    // A key filter that matches more than the key itself is not mistaken for it.
    const p = prefix();
    await md.user(alice()).set(`${p}KEY`, "upper");
    expect(await md.user(alice()).get(`${p}key`)).toBeUndefined();
  });

  it("get is undefined for a user that does not exist; in another organization undefined on v1, a permission error on v2 where the key exists", async () => {
    const p = prefix();
    const { md } = admin();
    expect(await md.user("123456789").get(`${p}plan`)).toBeUndefined();
    expect(await md.user("123456789").list({ prefix: p }).toArray()).toEqual([]);
    // bob is in globex, where acme-admin has no membership: a missing key there is undefined as well.
    const bob = emulator().user("bob").id;
    expect(await md.user(bob).get(`${p}plan`)).toBeUndefined();
    await clientAs(emulator(), api, protocol, "globex-admin").md.user(bob).set(`${p}plan`, "pro");
    if (api === "v1") {
      // v1 looks in the context organization only: the key that exists in globex is undefined too, until orgId names globex.
      expect(await md.user(bob).get(`${p}plan`)).toBeUndefined();
      expect(
        (
          await clientAs(emulator(), api, protocol, "iam-admin")
            .md.user(bob)
            .get(`${p}plan`, { orgId: emulator().org("globex").id })
        )?.text(),
      ).toBe("pro");
    } else {
      // v2 hides the row but counts it: the client says so rather than answer undefined.
      expect(isPermissionDenied(await rejection(md.user(bob).get(`${p}plan`)))).toBe(true);
    }
    // Only a write tells a missing user apart (it is refused with isUserNotFound) — and v1 with the wrong organization looks the same.
    expect(isUserNotFound(await rejection(md.user("123456789").set(`${p}plan`, "x")))).toBe(true);
  });

  it("copies one user's metadata to another in one line, byte-exact (text, binary, JSON)", async () => {
    const p = prefix();
    const { md } = admin();
    const from = md.user(alice());
    const to = md.user(emulator().user("acme-bot").id);
    const binary = new Uint8Array([0x00, 0xff, 0x80, 0x0a, 0xef, 0xbb, 0xbf]);
    await from.setMany({ [`${p}text`]: "pro ✓", [`${p}binary`]: binary, [`${p}prefs`]: json({ theme: "dark", n: [1, 2.5, null] }) });

    await to.setMany(await from.list({ prefix: p }).toObject());

    const copied = await to.list({ prefix: p }).toObject();
    expect(Object.keys(copied).sort()).toEqual([`${p}binary`, `${p}prefs`, `${p}text`]);
    expectBytes(copied[`${p}binary`]?.value, binary);
    expect(copied[`${p}text`]?.text()).toBe("pro ✓");
    expect(copied[`${p}prefs`]?.json()).toEqual({ theme: "dark", n: [1, 2.5, null] });
    const original = await from.list({ prefix: p }).toObject();
    for (const key of Object.keys(original)) expectBytes(copied[key]?.value, original[key]!.value);
    // set() takes an entry too, under any key: its bytes, not its key.
    const entry = (await from.get(`${p}binary`))!;
    await to.set(`${p}renamed`, entry);
    expectBytes((await to.get(`${p}renamed`))?.value, binary);
  });

  it("bad values and keys name the key (or the position) and the fix, and nothing is sent", async () => {
    const p = prefix();
    const { md, calls } = admin();
    const user = md.user(alice());
    await user.set(`${p}kept`, "before");
    calls.length = 0;
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    await expect(user.set(`${p}big`, json({ n: 1n }))).rejects.toThrow(new RegExp(`metadata "${p}big": json\\(\\) got a BigInt.*String\\(n\\)`));
    await expect(user.setMany({ [`${p}ok`]: "1", [`${p}big`]: json([2n]) })).rejects.toThrow(
      new RegExp(`setMany\\(\\): metadata "${p}big": json\\(\\) got a BigInt`),
    );
    await expect(
      user.setMany([
        [`${p}ok`, "1"],
        [`${p}loop`, json(cycle)],
      ]),
    ).rejects.toThrow(new RegExp(`"${p}loop": json\\(\\) got a value that contains itself`));
    await expect(user.setMany({ [`${p}ok`]: "1", [`${p}fn`]: json({ at: () => 1 }) })).rejects.toThrow(
      new RegExp(`"${p}fn": json\\(\\) got a function at property "at"`),
    );
    await expect(user.setMany({ [`${p}ok`]: "1", [`${p}n`]: 42 as never })).rejects.toThrow(new RegExp(`setMany\\(\\): metadata "${p}n": expected a string`));
    await expect(user.setMany([[`${p}ok`, "1"], "nope" as never])).rejects.toThrow(/setMany\(\): entry 1 must be a \[key, value\] pair, got the string "nope"/);
    await expect(
      user.setMany([
        [`${p}ok`, "1"],
        ["", "v"],
      ]),
    ).rejects.toThrow(/setMany\(\): entry 1: metadata key "": keys must be 1 to 200 characters/);
    await expect(user.removeMany([`${p}kept`, ""])).rejects.toThrow(/removeMany\(\): key 1: metadata key "": keys must be 1 to 200 characters, this one has 0/);
    await expect(user.removeMany([`${p}kept`, undefined as never])).rejects.toThrow(/removeMany\(\): key 1: metadata key: expected a string, got undefined/);
    await expect(user.removeMany([`${p}kept`, `${p}kept`, 7 as never])).rejects.toThrow(
      /removeMany\(\): key 2: metadata key: expected a string, got the number 7/,
    );
    await expect(user.apply({ set: { [`${p}x`]: json(1n) } })).rejects.toThrow(new RegExp(`apply\\(\\): metadata "${p}x": json\\(\\) got a BigInt`));
    expect(calls).toEqual([]);
    // The store is as it was.
    const stored = await user.list({ prefix: p }).toArray();
    expect(stored.map((e) => [e.key, e.text()])).toEqual([[`${p}kept`, "before"]]);
  });

  it("the same ZitadelError predicates on both APIs", async () => {
    // No membership in the user's org.
    const noMembership = await rejection(clientAs(emulator(), api, protocol, "alice").md.user(alice()).set("k", "v"));
    expect(noMembership.id).toBe("AUTHZ-cdgFk");
    expect(isPermissionDenied(noMembership)).toBe(true);
    // A membership without the permission: v1 says AUTH-5mWD2, v2 AUTH-AWfge; one predicate.
    const viewer = await rejection(clientAs(emulator(), api, protocol, "acme-viewer").md.user(alice()).set("k", "v"));
    expect(viewer.code).toBe(Code.PermissionDenied);
    expect(viewer.id).toBe(api === "v1" ? "AUTH-5mWD2" : "AUTH-AWfge");
    expect(isPermissionDenied(viewer)).toBe(true);
    expect(viewer.fact?.kind).toBe("permissionMissing");
    // A bad token.
    const transport = createZitadelTransport({ baseUrl: emulator().url, protocol, auth: "not-a-token" });
    const unauthenticated = await rejection(
      createMetadataClient(transport, { api, orgId: emulator().org("acme").id })
        .org()
        .get("x"),
    );
    expect(isUnauthenticated(unauthenticated)).toBe(true);
    expect(unauthenticated.id).toBe("AUTH-7fs1e");
    // A user that does not exist.
    const missingUser = await rejection(admin().md.user("123456789").set("k", "v"));
    expect(isUserNotFound(missingUser)).toBe(true);
  });

  it("remove; removing a missing key is isMetadataNotFound; removeMany with one missing key removes nothing", async () => {
    const p = prefix();
    for (const scope of [admin().md.org(), admin().md.user(alice())]) {
      await scope.set(`${p}temp`, "1");
      const removed = await scope.remove(`${p}temp`);
      expect(removed.details.changeDate).toBeInstanceOf(Date);
      expect(await scope.get(`${p}temp`)).toBeUndefined();
      expect(isMetadataNotFound(await rejection(scope.remove(`${p}temp`)))).toBe(true);

      await scope.setMany({ [`${p}a`]: "1", [`${p}b`]: "2" });
      const err = await rejection(scope.removeMany([`${p}a`, `${p}gone`, `${p}b`]));
      expect(isMetadataNotFound(err)).toBe(true);
      expect(await keysOf(scope.list({ prefix: p }))).toEqual([`${p}a`, `${p}b`]);
    }
  });

  it("setMany and removeMany: v2 in one request where v1 needs three; a key given twice keeps its last value", async () => {
    const p = prefix();
    const { md, calls } = admin();
    const org = md.org();
    const many: [string, string][] = Array.from({ length: 1_201 }, (_, i) => [`${p}${i}`, `value ${i}`]);
    many.push([`${p}7`, "the last value wins"]);
    calls.length = 0;
    const result = await org.setMany(many);
    expect(result.count).toBe(1_201);
    expect(result.requests).toBe(api === "v1" ? 3 : 1);
    expect(calls).toHaveLength(result.requests);
    expect(result.details?.changeDate).toBeInstanceOf(Date);
    const stored = await org.list({ prefix: p }).toObject();
    expect(Object.keys(stored)).toHaveLength(1_201);
    expect(stored[`${p}7`]?.text()).toBe("the last value wins");
    expect(stored[`${p}1200`]?.text()).toBe("value 1200");

    calls.length = 0;
    const removed = await org.removeMany(many.map(([k]) => k));
    expect(removed.count).toBe(1_201);
    // v1 sends keys in a body (3 requests of 500); a v2 Delete carries them in the URL over REST, so it holds at most 6 KiB of them.
    const urlBytes = many.slice(0, 1_201).reduce((n, [k]) => n + encodeURIComponent(k).length + "keys=&".length, 0);
    if (api === "v1") expect(removed.requests).toBe(3);
    else expect(removed.requests).toBeGreaterThanOrEqual(Math.ceil(urlBytes / 6144));
    expect(calls).toHaveLength(removed.requests);
    expect(await org.list({ prefix: p }).toArray()).toEqual([]);
  });

  it("apply() upserts and deletes in as few requests as the API allows and says what it did", async () => {
    const p = prefix();
    const { md, calls } = admin();
    for (const scope of [md.user(alice()), md.org()]) {
      await scope.setMany({ [`${p}keep`]: "k", [`${p}old`]: "o", [`${p}change`]: "before" });
      calls.length = 0;
      const result = await scope.apply({
        set: { [`${p}change`]: "after", [`${p}new`]: new Uint8Array([0, 1, 2]) },
        remove: [`${p}old`, `${p}never-existed`],
      });
      expect(result).toMatchObject({ set: 2, removed: 2 });
      if (api === "v2") {
        // One Set request: deletes travel as empty values; a missing key is skipped by ZITADEL.
        expect(result).toMatchObject({ requests: 1, atomic: true });
        expect(calls).toHaveLength(1);
        expect(calls[0]).toMatch(/\/Set(User|Organization)Metadata$/);
      } else {
        // Bulk set, bulk remove (fails whole on the missing key), then the keys one by one.
        expect(result.atomic).toBe(false);
        expect(calls[0]).toMatch(/\/BulkSet(User|Org)Metadata$/);
        expect(calls[1]).toMatch(/\/BulkRemove(User|Org)Metadata$/);
        expect(calls.slice(2).every((c) => /\/Remove(User|Org)Metadata$/.test(c))).toBe(true);
        expect(result.requests).toBe(calls.length);
      }
      const state = await scope.list({ prefix: p }).toObject();
      expect(Object.keys(state).sort()).toEqual([`${p}change`, `${p}keep`, `${p}new`]);
      expect(state[`${p}change`]?.text()).toBe("after");
      expectBytes(state[`${p}new`]?.value, new Uint8Array([0, 1, 2]));

      // Nothing to do: no request at all.
      calls.length = 0;
      expect(await scope.apply({})).toMatchObject({ requests: 0, set: 0, removed: 0, details: undefined });
      // A key in both, or bad input: refused before anything is sent.
      await expect(scope.apply({ set: { [`${p}x`]: "1" }, remove: [`${p}x`] })).rejects.toThrow(/is in both set and remove/);
      await expect(scope.apply({ set: { [`${p}x`]: "" } })).rejects.toThrow(/values must be 1 to 500000 bytes.*remove\(\)/);
      await expect(scope.apply({ remove: `${p}x` as never })).rejects.toThrow(/expected a list of keys, got the string/);
      expect(calls).toEqual([]);
    }
  });

  it("list: each key once, with prefix and query filters, pages lazily", async () => {
    const p = prefix();
    const { md, calls } = admin();
    const entries = Object.fromEntries(Array.from({ length: 35 }, (_, i) => [`${p}${String(i).padStart(2, "0")}`, `v${i}`]));
    await md.user(alice()).setMany(entries);
    calls.length = 0;
    const seen: string[] = [];
    for await (const entry of md.user(alice()).list({ prefix: p, pageSize: 10 })) {
      seen.push(entry.key);
      if (seen.length === 5) break;
    }
    expect(calls).toHaveLength(1);
    expect(await keysOf(md.user(alice()).list({ prefix: p, pageSize: 10 }))).toEqual(Object.keys(entries).sort());
    const filtered = await md
      .user(alice())
      .list({ prefix: p, query: { key: "5", match: "endsWith" } })
      .toObject();
    expect(Object.keys(filtered).sort()).toEqual([`${p}05`, `${p}15`, `${p}25`]);
    expect(filtered[`${p}15`]?.text()).toBe("v15");
    const caseless = await md
      .user(alice())
      .list({ query: { key: `${p.toUpperCase()}0`, match: "startsWithIgnoreCase" } })
      .toArray();
    expect(caseless.map((e) => e.key).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `${p}0${i}`));
  });

  it("me() reads the caller's own metadata", async () => {
    const p = prefix();
    await admin().md.user(alice()).set(`${p}mine`, "1");
    const viaAuth = clientAs(emulator(), api, protocol, "alice");
    if (api === "v2" && protocol === "connect") {
      // Without its own id, v2's me() reads v1's AuthService, which ZITADEL does not serve over Connect.
      const err = await rejection(viaAuth.md.me().get(`${p}mine`));
      expect(err.code).toBe(Code.Unimplemented);
      expect(err.message).toMatch(/grpc|grpc-web|rest/);
    } else {
      expect((await viaAuth.md.me().get(`${p}mine`))?.text()).toBe("1");
      expect(viaAuth.calls).toEqual(["v1.AuthService/GetMyMetadata"]);
    }
    if (api === "v2") {
      // Given its own id, me() reads v2's ListUserMetadata, allowed for one's own user without any role.
      const own = clientAs(emulator(), api, protocol, "alice", { selfUserId: alice() });
      expect((await own.md.me().get(`${p}mine`))?.text()).toBe("1");
      expect(await keysOf(own.md.me().list({ prefix: p }))).toEqual([`${p}mine`]);
      expect(own.calls.every((c) => c === "v2.UserService/ListUserMetadata")).toBe(true);
    }
    expect("set" in viaAuth.md.me()).toBe(false);
  });

  it("cross-version visibility: what one API writes, the other reads", async () => {
    const p = prefix();
    const other = api === "v1" ? "v2" : "v1";
    const otherProtocol = protocol === "connect" ? "grpc" : protocol;
    const mine = admin().md;
    const theirs = clientAs(emulator(), other, otherProtocol, "acme-admin").md;
    await mine.user(alice()).set(`${p}from-${api}`, new Uint8Array([9, 8, 7]));
    await theirs.org().set(`${p}from-${other}`, "org value");
    expectBytes((await theirs.user(alice()).get(`${p}from-${api}`))?.value, new Uint8Array([9, 8, 7]));
    expect((await mine.org().get(`${p}from-${other}`))?.text()).toBe("org value");
  });

  it("another organization: v1 acts in it by orgId (header), v2 by the target itself", async () => {
    const p = prefix();
    const bob = emulator().user("bob").id;
    const globex = emulator().org("globex").id;
    const { md } = clientAs(emulator(), api, protocol, "iam-admin");
    if (api === "v1") {
      // v1 looks the user up in the context organization (the caller's own): not there.
      expect(isUserNotFound(await rejection(md.user(bob).set(`${p}k`, "v")))).toBe(true);
      await md.user(bob).set(`${p}k`, "v", { orgId: globex });
      expect((await md.user(bob).get(`${p}k`, { orgId: globex }))?.text()).toBe("v");
    } else {
      // v2 finds the user wherever it is; x-zitadel-orgid no longer selects anything.
      await md.user(bob).set(`${p}k`, "v");
      expect((await md.user(bob).get(`${p}k`))?.text()).toBe("v");
    }
    // org(id) and a per-call orgId name the organization on both.
    await md.org(globex).set(`${p}org`, "in globex");
    expect((await md.org(globex).get(`${p}org`))?.text()).toBe("in globex");
    expect((await md.org().get(`${p}org`, { orgId: globex }))?.text()).toBe("in globex");
    expect(await md.org().get(`${p}org`)).toBeUndefined();
  });

  it("rows the caller may not read: a permission error where the API can tell", async () => {
    const p = prefix();
    await admin().md.user(alice()).set(`${p}secret`, "s");
    // ORG_SETTINGS_MANAGER has org.write but not user.read.
    const settings = clientAs(emulator(), api, protocol, "acme-settings").md;
    const read = await rejection(settings.user(alice()).get(`${p}secret`));
    expect(isPermissionDenied(read)).toBe(true);
    const listed = await rejection(settings.user(alice()).list({ prefix: p }).toArray());
    expect(isPermissionDenied(listed)).toBe(true);
    if (api === "v2") {
      // v2 drops the rows and still counts them: the client reports it rather than an empty list.
      expect(read.id).toBeUndefined();
      expect(read.message).toMatch(/counts 1 metadata entry of user \d+ but returned none.*user\.read/);
    }
    // An organization the caller may not read: v1 refuses, v2 answers an empty list with total 0, which nothing can tell apart.
    const globex = emulator().org("globex").id;
    const acmeAdmin = admin().md;
    await clientAs(emulator(), api, protocol, "globex-admin").md.org(globex).set(`${p}g`, "1");
    if (api === "v1") {
      expect(isPermissionDenied(await rejection(acmeAdmin.org(globex).get(`${p}g`)))).toBe(true);
    } else {
      expect(await acmeAdmin.org(globex).get(`${p}g`)).toBeUndefined();
      expect(await acmeAdmin.org(globex).list({ prefix: p }).toArray()).toEqual([]);
    }
  });
});

describe("v2 lists beyond one page", () => {
  for (const listOrder of ["storage", "changing"] as const) {
    describe(`list order ${listOrder}`, () => {
      const emulator = useEmulator({ quirks: { listOrder } });
      it.each(["connect", "grpc", "rest"] as const)("2,500 entries over %s: every key once, pages of at most 1000", async (protocol) => {
        const { md, calls } = clientAs(emulator(), "v2", protocol, "acme-admin");
        const p = `${protocol}.`;
        const values = Object.fromEntries(Array.from({ length: 2_500 }, (_, i) => [`${p}${i}`, `v${i}`]));
        for (const scope of [md.user(emulator().user("alice").id), md.org()]) {
          // Three Sets, so that user rows come in three groups of equal creation dates.
          await scope.setMany(values, { maxEntriesPerRequest: 1_000 });
          calls.length = 0;
          const listed = await scope.list({ prefix: p }).toArray();
          expect(listed).toHaveLength(2_500);
          expect(new Set(listed.map((e) => e.key)).size).toBe(2_500);
          expect(listed.every((e) => e.text() === values[e.key])).toBe(true);
          // Without a change marker one pass is confirmed by another: at least six requests of at most 1000 rows.
          expect(calls.length).toBeGreaterThanOrEqual(6);
          if (listOrder === "storage") expect(calls).toHaveLength(6);
        }
      });
    });
  }
});

describe("createMetadataClient options", () => {
  const emulator = useEmulator();

  it("v2 org() without an organization id asks for one, naming the option", () => {
    const transport = createZitadelTransport({ baseUrl: emulator().url, protocol: "connect", auth: emulator().user("acme-admin").token });
    const md = createMetadataClient(transport, { api: "v2" });
    let error: unknown;
    try {
      md.org();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ZitadelConfigError);
    expect(error).toMatchObject({ code: "ERR_MISSING_OPTION", option: "orgId" });
    expect((error as Error).message).toMatch(/org\("<organization id>"\).*api: "v2", orgId/);
    // v1 has the context organization.
    expect(() => createMetadataClient(transport).org()).not.toThrow();
  });

  it("refuses an unknown API or option, naming it", () => {
    const transport = createZitadelTransport({ baseUrl: emulator().url, protocol: "grpc", auth: emulator().user("acme-admin").token });
    expect(() => createMetadataClient(transport, { api: "v3" as never })).toThrow(/option "api" must be "v1" or "v2", got "v3"/);
    expect(() => createMetadataClient(transport, { apiVersion: "v2" } as never)).toThrow(/unknown option "apiVersion"/);
    expect(() => createMetadataClient(transport, { api: "v2", selfUserId: "a b" })).toThrow(/selfUserId.*expected a ZITADEL user id/);
    expect(createMetadataClient(transport).api).toBe("v1");
    expect(createMetadataClient(transport, { api: "v2" }).api).toBe("v2");
  });

  it("zitadel-metadata/quick takes the client options and uses the transport's orgId for org()", async () => {
    const { createMetadataClient: quick } = await import("../src/quick.js");
    const acme = emulator().org("acme").id;
    const md = quick({ baseUrl: emulator().url, protocol: "connect", auth: emulator().user("acme-admin").token, orgId: acme }, { api: "v2" });
    await md.org().set("quick.v2", "yes");
    const v1 = createMetadataClient(createZitadelTransport({ baseUrl: emulator().url, protocol: "grpc", auth: emulator().user("acme-admin").token }));
    expect((await v1.org().get("quick.v2"))?.text()).toBe("yes");
  });
});
