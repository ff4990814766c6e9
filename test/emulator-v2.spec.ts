// The emulator serves ZITADEL's v2 metadata APIs (UserService v2,
// OrganizationService v2 and v2beta) over Connect, gRPC, gRPC-web and REST,
// on the same store as v1, with v2's semantics (ZITADEL-V2.md): atomic batch
// sets, empty values that delete, no-op sets, all-or-nothing deletes, v2
// pagination and order, permissions on the target's organization.
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { TextFilterMethod } from "../gen/zitadel/filter/v2/filter_pb.js";
import { ErrorDetailSchema } from "../gen/zitadel/message_pb.js";
import { TextQueryMethod as TextQueryMethodV2beta } from "../gen/zitadel/object/v2beta/object_pb.js";
import { fromBinary } from "@bufbuild/protobuf";
import type { ZitadelProtocol } from "../src/index.js";
import { createOrganizationServiceV2betaClient, createOrganizationServiceV2Client, createUserServiceV2Client, createZitadelTransport } from "../src/index.js";
import type { Emulator } from "../src/emulator/index.js";
import { testSeed, useEmulator } from "./support/emulator.js";
import { clientsAs, expectZitadelError, rawTransport, utf8 } from "./support/protocols.js";
import { frame, http2Request, parseFrames } from "./support/raw-http.js";

const v2Protocols: readonly ZitadelProtocol[] = ["connect", "grpc", "grpc-web", "rest"];

/** v2 clients acting as one seeded user. */
function v2As(emulator: Emulator, protocol: ZitadelProtocol, userName: string, orgId?: string) {
  const transport = createZitadelTransport({ baseUrl: emulator.url, protocol, auth: emulator.user(userName).token, orgId });
  return {
    users: createUserServiceV2Client(transport),
    orgs: createOrganizationServiceV2Client(transport),
    orgsBeta: createOrganizationServiceV2betaClient(transport),
  };
}

const micros = (t: Timestamp | undefined) => t!.seconds * 1_000_000n + BigInt(Math.round(t!.nanos / 1000));
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const startsWith = (key: string) => [{ filter: { case: "keyFilter" as const, value: { key, method: TextFilterMethod.STARTS_WITH } } }];
const startsWithBeta = (key: string) => [{ query: { case: "keyQuery" as const, value: { key, method: TextQueryMethodV2beta.STARTS_WITH } } }];
const startsWithJson = (key: string) => [{ keyFilter: { key, method: "TEXT_FILTER_METHOD_STARTS_WITH" } }];
const seed = {
  ...testSeed,
  users: [...testSeed.users, { userName: "carol", org: "acme", roles: [] }],
};

describe.each(v2Protocols)("the v2 metadata APIs over %s", (protocol) => {
  const emulator = useEmulator({ seed });
  const admin = () => v2As(emulator(), protocol, "acme-admin");
  const alice = () => emulator().user("alice").id;
  const acme = () => emulator().org("acme").id;
  const globex = () => emulator().org("globex").id;
  const userKeys = async (prefix: string, userId = alice()) =>
    (await admin().users.listUserMetadata({ userId, filters: startsWith(prefix) })).metadata.map((m) => `${m.key}=${text(m.value)}`);
  const orgKeys = async (prefix: string) =>
    (await admin().orgs.listOrganizationMetadata({ organizationId: acme(), filters: startsWith(prefix) })).metadata
      .map((m) => `${m.key}=${text(m.value)}`)
      .sort();

  it("Set is an atomic batch judged against the state before it: empty deletes, equal bytes are skipped", async () => {
    const { users } = admin();
    await users.setUserMetadata({
      userId: alice(),
      metadata: [
        { key: "batch.a", value: utf8("1") },
        { key: "batch.b", value: utf8("2") },
      ],
    });
    const before = (await users.listUserMetadata({ userId: alice(), filters: startsWith("batch.b") })).metadata[0]!;
    await users.setUserMetadata({
      userId: alice(),
      metadata: [
        { key: "batch.a", value: new Uint8Array() },
        { key: "batch.b", value: utf8("2") },
        { key: "batch.c", value: utf8("3") },
        { key: "batch.absent", value: new Uint8Array() },
      ],
    });
    expect((await userKeys("batch.")).sort()).toEqual(["batch.b=2", "batch.c=3"]);
    const after = (await users.listUserMetadata({ userId: alice(), filters: startsWith("batch.b") })).metadata[0]!;
    expect(micros(after.changeDate)).toBe(micros(before.changeDate));
    // A duplicate key is not applied in sequence: the removal of a stored key and its same bytes again both count against the old state.
    await users.setUserMetadata({
      userId: alice(),
      metadata: [
        { key: "batch.b", value: new Uint8Array() },
        { key: "batch.b", value: utf8("2") },
      ],
    });
    expect((await userKeys("batch.")).sort()).toEqual(["batch.c=3"]);
    // One bad entry fails the whole request; nothing of it is written.
    await expectZitadelError(
      users.setUserMetadata({
        userId: alice(),
        metadata: [
          { key: "batch.d", value: utf8("4") },
          { key: "", value: utf8("5") },
        ],
      }),
      {
        code: Code.InvalidArgument,
        text:
          "invalid SetUserMetadataRequest.Metadata[1]: embedded message failed validation | caused by: " +
          "invalid Metadata.Key: value length must be between 1 and 200 runes, inclusive",
      },
    );
    expect((await userKeys("batch.")).sort()).toEqual(["batch.c=3"]);
  });

  it("a Set that changes nothing writes nothing and reports the last change, earlier than the request", async () => {
    const { users, orgs } = admin();
    const first = await users.setUserMetadata({ userId: alice(), metadata: [{ key: "noop.k", value: utf8("v") }] });
    const events = emulator().store.metadataEvents();
    const again = await users.setUserMetadata({
      userId: alice(),
      metadata: [
        { key: "noop.k", value: utf8("v") },
        { key: "noop.absent", value: new Uint8Array() },
      ],
    });
    expect(micros(again.setDate)).toBe(micros(first.setDate));
    expect(emulator().store.metadataEvents()).toBe(events);
    const orgFirst = await orgs.setOrganizationMetadata({ organizationId: acme(), metadata: [{ key: "noop.o", value: utf8("v") }] });
    const orgAgain = await orgs.setOrganizationMetadata({ organizationId: acme(), metadata: [{ key: "noop.o", value: utf8("v") }] });
    expect(micros(orgAgain.setDate)).toBe(micros(orgFirst.setDate));
    expect(emulator().store.metadataEvents()).toBe(events + 1);
    // A user whose metadata never changed: Go's zero time, as timestamppb.New(time.Time{}).
    const bob = v2As(emulator(), protocol, "globex-admin").users;
    const never = await bob.setUserMetadata({ userId: emulator().user("bob").id, metadata: [{ key: "noop.absent", value: new Uint8Array() }] });
    expect({ seconds: never.setDate?.seconds, nanos: never.setDate?.nanos }).toEqual({ seconds: -62_135_596_800n, nanos: 0 });
    expect(emulator().store.metadataEvents()).toBe(events + 1);
  });

  it("no 4 MiB message limit as on v1: connect-go sets none, so a 4.5 MB Set goes through", async () => {
    const metadata = Array.from({ length: 9 }, (_, i) => ({ key: `big.${i}`, value: new Uint8Array(500_000).fill(i + 1) }));
    await admin().users.setUserMetadata({ userId: alice(), metadata });
    const listed = await admin().users.listUserMetadata({ userId: alice(), filters: startsWith("big.") });
    expect(listed.metadata.map((m) => [m.key, m.value.length, m.value[0]]).sort()).toEqual(metadata.map((m, i) => [m.key, 500_000, i + 1]));
    await admin().users.deleteUserMetadata({ userId: alice(), keys: metadata.map((m) => m.key) });
  });

  it("Set with no entries fails with META-9mm2d", async () => {
    const expected = { code: Code.FailedPrecondition, id: "META-9mm2d", text: "Metadata list is empty" };
    await expectZitadelError(admin().users.setUserMetadata({ userId: alice(), metadata: [] }), expected);
    await expectZitadelError(admin().orgs.setOrganizationMetadata({ organizationId: acme(), metadata: [] }), expected);
    await expectZitadelError(admin().orgsBeta.setOrganizationMetadata({ organizationId: acme(), metadata: [] }), expected);
  });

  it("Delete is all or nothing: a missing key is META-2nnds (users) / META-2npds (orgs), no keys META-9mm2d / META-9mw2d", async () => {
    const { users, orgs, orgsBeta } = admin();
    const missing = { code: Code.NotFound, text: "One or more keys do not exist" };
    await users.setUserMetadata({
      userId: alice(),
      metadata: [
        { key: "del.a", value: utf8("1") },
        { key: "del.b", value: utf8("2") },
      ],
    });
    await expectZitadelError(users.deleteUserMetadata({ userId: alice(), keys: ["del.a", "del.nope"] }), { ...missing, id: "META-2nnds" });
    expect((await userKeys("del.")).sort()).toEqual(["del.a=1", "del.b=2"]);
    const before = BigInt(Date.now()) * 1000n;
    const deleted = await users.deleteUserMetadata({ userId: alice(), keys: ["del.a", "del.b"] });
    expect(micros(deleted.deletionDate)).toBeGreaterThanOrEqual(before - 1000n);
    expect(await userKeys("del.")).toEqual([]);
    await expectZitadelError(users.deleteUserMetadata({ userId: alice(), keys: [] }), {
      code: Code.FailedPrecondition,
      id: "META-9mm2d",
      text: "Metadata list is empty",
    });

    await orgs.setOrganizationMetadata({ organizationId: acme(), metadata: [{ key: "del.o", value: utf8("1") }] });
    for (const client of [orgs, orgsBeta]) {
      await expectZitadelError(client.deleteOrganizationMetadata({ organizationId: acme(), keys: ["del.o", "del.nope"] }), {
        ...missing,
        id: "META-2npds",
      });
      await expectZitadelError(client.deleteOrganizationMetadata({ organizationId: acme(), keys: [] }), {
        code: Code.FailedPrecondition,
        id: "META-9mw2d",
        text: "Metadata list is empty",
      });
    }
    expect(await orgKeys("del.")).toEqual(["del.o=1"]);
    await orgsBeta.deleteOrganizationMetadata({ organizationId: acme(), keys: ["del.o"] });
    expect(await orgKeys("del.")).toEqual([]);
  });

  it("user lists: 100 rows by default, at most 1000 (QUERY-4M0fs); applied_limit is the limit used; total 0 past the end", async () => {
    const { users } = admin();
    const carol = emulator().user("carol").id;
    const metadata = Array.from({ length: 105 }, (_, i) => ({ key: `page.${String(i).padStart(3, "0")}`, value: utf8("v") }));
    await users.setUserMetadata({ userId: carol, metadata });
    const all = await users.listUserMetadata({ userId: carol });
    expect(all.metadata).toHaveLength(100);
    expect(all.pagination).toMatchObject({ totalResult: 105n, appliedLimit: 100n });
    const zero = await users.listUserMetadata({ userId: carol, pagination: { limit: 0 } });
    expect(zero.pagination).toMatchObject({ totalResult: 105n, appliedLimit: 100n });
    const second = await users.listUserMetadata({ userId: carol, pagination: { offset: 100n, limit: 10 } });
    expect(second.metadata).toHaveLength(5);
    expect(second.pagination).toMatchObject({ totalResult: 105n, appliedLimit: 10n });
    const past = await users.listUserMetadata({ userId: carol, pagination: { offset: 200n, limit: 10 } });
    expect(past.metadata).toEqual([]);
    expect(past.pagination).toMatchObject({ totalResult: 0n, appliedLimit: 10n });
    expect((await users.listUserMetadata({ userId: carol, pagination: { limit: 1000 } })).metadata).toHaveLength(105);
    await expectZitadelError(users.listUserMetadata({ userId: carol, pagination: { limit: 1001 } }), {
      code: Code.InvalidArgument,
      id: "QUERY-4M0fs",
      text: "Limit exceeded",
    });
  });

  it("org lists: the same limits, but applied_limit echoes the request (0 when absent)", async () => {
    const { orgs, orgsBeta } = v2As(emulator(), protocol, "globex-admin");
    const metadata = Array.from({ length: 101 }, (_, i) => ({ key: `page.${i}`, value: utf8("v") }));
    await orgs.setOrganizationMetadata({ organizationId: globex(), metadata });
    const all = await orgs.listOrganizationMetadata({ organizationId: globex() });
    expect(all.metadata).toHaveLength(100);
    expect(all.pagination).toMatchObject({ totalResult: 101n, appliedLimit: 0n });
    const beta = await orgsBeta.listOrganizationMetadata({ organizationId: globex(), pagination: { limit: 7 } });
    expect(beta.metadata).toHaveLength(7);
    expect(beta.pagination).toMatchObject({ totalResult: 101n, appliedLimit: 7n });
    const past = await orgs.listOrganizationMetadata({ organizationId: globex(), pagination: { offset: 101n, limit: 5 } });
    expect(past.pagination).toMatchObject({ totalResult: 0n, appliedLimit: 5n });
    for (const call of [
      orgs.listOrganizationMetadata({ organizationId: globex(), pagination: { limit: 1001 } }),
      orgsBeta.listOrganizationMetadata({ organizationId: globex(), pagination: { limit: 5000 } }),
    ]) {
      await expectZitadelError(call, { code: Code.InvalidArgument, id: "QUERY-4M0fs", text: "Limit exceeded" });
    }
  });

  it("user lists come by creation date, newest first unless asc; org lists in storage order, whatever asc says", async () => {
    const { users, orgs, orgsBeta } = admin();
    for (const key of ["order.1", "order.2", "order.3"]) {
      await users.setUserMetadata({ userId: alice(), metadata: [{ key, value: utf8("v") }] });
      await orgs.setOrganizationMetadata({ organizationId: acme(), metadata: [{ key, value: utf8("v") }] });
    }
    // A change keeps the creation date: the user order stays; the org row moves to the end of storage.
    await users.setUserMetadata({ userId: alice(), metadata: [{ key: "order.1", value: utf8("changed") }] });
    await orgs.setOrganizationMetadata({ organizationId: acme(), metadata: [{ key: "order.1", value: utf8("changed") }] });
    const userOrder = async (asc: boolean) =>
      (await users.listUserMetadata({ userId: alice(), filters: startsWith("order."), pagination: { asc } })).metadata.map((m) => m.key);
    expect(await userOrder(false)).toEqual(["order.3", "order.2", "order.1"]);
    expect(await userOrder(true)).toEqual(["order.1", "order.2", "order.3"]);
    for (const asc of [false, true]) {
      const v2 = await orgs.listOrganizationMetadata({ organizationId: acme(), filters: startsWith("order."), pagination: { asc } });
      expect(v2.metadata.map((m) => m.key)).toEqual(["order.2", "order.3", "order.1"]);
      const beta = await orgsBeta.listOrganizationMetadata({ organizationId: acme(), filter: startsWithBeta("order."), pagination: { asc } });
      expect(beta.metadata.map((m) => m.key)).toEqual(["order.2", "order.3", "order.1"]);
    }
  });

  it("key filters: all eight methods; a filter without its oneof is InvalidArgument", async () => {
    const { users, orgsBeta } = admin();
    const keys = ["f.Team.Alpha", "f.team.beta", "f.other.alpha"];
    await users.setUserMetadata({ userId: alice(), metadata: keys.map((key) => ({ key, value: utf8("v") })) });
    await admin().orgs.setOrganizationMetadata({ organizationId: acme(), metadata: keys.map((key) => ({ key, value: utf8("v") })) });
    const cases: [string, TextFilterMethod, string[]][] = [
      ["f.team.beta", TextFilterMethod.EQUALS, ["f.team.beta"]],
      ["F.TEAM.BETA", TextFilterMethod.EQUALS_IGNORE_CASE, ["f.team.beta"]],
      ["f.team", TextFilterMethod.STARTS_WITH, ["f.team.beta"]],
      ["F.TEAM", TextFilterMethod.STARTS_WITH_IGNORE_CASE, ["f.Team.Alpha", "f.team.beta"]],
      ["alpha", TextFilterMethod.CONTAINS, ["f.other.alpha"]],
      ["ALPHA", TextFilterMethod.CONTAINS_IGNORE_CASE, ["f.Team.Alpha", "f.other.alpha"]],
      ["Alpha", TextFilterMethod.ENDS_WITH, ["f.Team.Alpha"]],
      ["BETA", TextFilterMethod.ENDS_WITH_IGNORE_CASE, ["f.team.beta"]],
    ];
    for (const [key, method, expected] of cases) {
      const listed = await users.listUserMetadata({
        userId: alice(),
        filters: [...startsWith("f."), { filter: { case: "keyFilter", value: { key, method } } }],
      });
      expect(listed.metadata.map((m) => m.key).sort(), `${TextFilterMethod[method]} ${key}`).toEqual(expected.sort());
      const beta = await orgsBeta.listOrganizationMetadata({
        organizationId: acme(),
        filter: [...startsWithBeta("f."), { query: { case: "keyQuery", value: { key, method: method as number as TextQueryMethodV2beta } } }],
      });
      expect(beta.metadata.map((m) => m.key).sort(), `v2beta ${TextFilterMethod[method]} ${key}`).toEqual(expected.sort());
    }
    await expectZitadelError(users.listUserMetadata({ userId: alice(), filters: [{ filter: { case: undefined } }] }), {
      code: Code.InvalidArgument,
      text:
        "invalid ListUserMetadataRequest.Filters[0]: embedded message failed validation | caused by: " +
        "invalid MetadataSearchFilter.Filter: value is required",
    });
    await expectZitadelError(orgsBeta.listOrganizationMetadata({ organizationId: acme(), filter: [{ query: { case: undefined } }] }), {
      code: Code.InvalidArgument,
      text:
        "invalid ListOrganizationMetadataRequest.Filter[0]: embedded message failed validation | caused by: " +
        "invalid MetadataQuery.Query: value is required",
    });
  });

  it("org v2 deletes on an empty value; org v2beta refuses it", async () => {
    const { orgs, orgsBeta } = admin();
    await orgsBeta.setOrganizationMetadata({ organizationId: acme(), metadata: [{ key: "empty.o", value: utf8("1") }] });
    await expectZitadelError(orgsBeta.setOrganizationMetadata({ organizationId: acme(), metadata: [{ key: "empty.o", value: new Uint8Array() }] }), {
      code: Code.InvalidArgument,
      text:
        "invalid SetOrganizationMetadataRequest.Metadata[0]: embedded message failed validation | caused by: " +
        "invalid Metadata.Value: value length must be between 1 and 500000 bytes, inclusive",
    });
    expect(await orgKeys("empty.")).toEqual(["empty.o=1"]);
    await orgs.setOrganizationMetadata({ organizationId: acme(), metadata: [{ key: "empty.o", value: new Uint8Array() }] });
    expect(await orgKeys("empty.")).toEqual([]);
  });

  it("writes need the permission in the target's organization: AUTHZ-cdgFk without a role there, AUTH-AWfge without the permission", async () => {
    const e = emulator();
    const noRole = { code: Code.NotFound, id: "AUTHZ-cdgFk", text: "membership not found" };
    const noPermission = { code: Code.PermissionDenied, id: "AUTH-AWfge", text: "No matching permissions found" };
    const entry = [{ key: "perm.k", value: utf8("v") }];
    await expectZitadelError(v2As(e, protocol, "acme-viewer").users.setUserMetadata({ userId: alice(), metadata: entry }), noPermission);
    await expectZitadelError(v2As(e, protocol, "globex-admin").users.setUserMetadata({ userId: alice(), metadata: entry }), noRole);
    await expectZitadelError(v2As(e, protocol, "globex-admin").users.deleteUserMetadata({ userId: alice(), keys: ["perm.k"] }), noRole);
    // Not even one's own metadata without user.write.
    const viewer = e.user("acme-viewer").id;
    await expectZitadelError(v2As(e, protocol, "acme-viewer").users.setUserMetadata({ userId: viewer, metadata: entry }), noPermission);
    await expectZitadelError(v2As(e, protocol, "alice").users.setUserMetadata({ userId: alice(), metadata: entry }), noRole);
    // The user must exist first, whoever asks.
    for (const who of ["acme-viewer", "acme-admin"]) {
      await expectZitadelError(v2As(e, protocol, who).users.setUserMetadata({ userId: "no-such-user", metadata: entry }), {
        code: Code.FailedPrecondition,
        id: "COMMAND-uXHNj",
        text: "User could not be found",
      });
    }
    // Orgs: org.write before existence.
    await expectZitadelError(v2As(e, protocol, "acme-viewer").orgs.setOrganizationMetadata({ organizationId: acme(), metadata: entry }), noPermission);
    await expectZitadelError(v2As(e, protocol, "globex-admin").orgsBeta.setOrganizationMetadata({ organizationId: acme(), metadata: entry }), noRole);
    await expectZitadelError(v2As(e, protocol, "acme-admin").orgs.setOrganizationMetadata({ organizationId: "no-such-org", metadata: entry }), noRole);
    await expectZitadelError(v2As(e, protocol, "iam-admin").orgs.setOrganizationMetadata({ organizationId: "no-such-org", metadata: entry }), {
      code: Code.FailedPrecondition,
      id: "COMMAND-QXPGs",
      text: "Organisation not found",
    });
    // Settings managers write org metadata, not user metadata.
    await v2As(e, protocol, "acme-settings").orgs.setOrganizationMetadata({ organizationId: acme(), metadata: entry });
    await expectZitadelError(v2As(e, protocol, "acme-settings").users.setUserMetadata({ userId: alice(), metadata: entry }), noPermission);
  });

  it("lists filter instead of failing: one's own user always; rows of others dropped silently (the user total still counts them)", async () => {
    const e = emulator();
    await admin().users.setUserMetadata({
      userId: alice(),
      metadata: [
        { key: "read.a", value: utf8("1") },
        { key: "read.b", value: utf8("2") },
      ],
    });
    await admin().orgs.setOrganizationMetadata({ organizationId: acme(), metadata: [{ key: "read.o", value: utf8("1") }] });
    const own = await v2As(e, protocol, "alice").users.listUserMetadata({ userId: alice(), filters: startsWith("read.") });
    expect(own.metadata.map((m) => m.key).sort()).toEqual(["read.a", "read.b"]);
    const other = await v2As(e, protocol, "bob").users.listUserMetadata({ userId: alice(), filters: startsWith("read.") });
    expect(other.metadata).toEqual([]);
    expect(other.pagination).toMatchObject({ totalResult: 2n, appliedLimit: 100n });
    const unknownUser = await admin().users.listUserMetadata({ userId: "no-such-user" });
    expect({ rows: unknownUser.metadata, total: unknownUser.pagination?.totalResult }).toEqual({ rows: [], total: 0n });
    for (const [who, orgId] of [
      ["globex-admin", acme()],
      ["iam-admin", "no-such-org"],
      ["alice", acme()],
    ] as const) {
      const listed = await v2As(e, protocol, who).orgs.listOrganizationMetadata({ organizationId: orgId, filters: startsWith("read.") });
      expect({ rows: listed.metadata, total: listed.pagination?.totalResult }, `${who} on ${orgId}`).toEqual({ rows: [], total: 0n });
    }
    const viewer = await v2As(e, protocol, "acme-viewer").orgsBeta.listOrganizationMetadata({ organizationId: acme(), filter: startsWithBeta("read.") });
    expect(viewer.metadata.map((m) => m.key)).toEqual(["read.o"]);
  });

  it("x-zitadel-orgid selects nothing, but an unknown one still fails with AUTH-Bs7Ds", async () => {
    const e = emulator();
    // The header names another org; the target's own org decides.
    await v2As(e, protocol, "acme-admin", globex()).users.setUserMetadata({ userId: alice(), metadata: [{ key: "hdr.k", value: utf8("v") }] });
    await expectZitadelError(
      v2As(e, protocol, "globex-admin", acme()).users.setUserMetadata({ userId: alice(), metadata: [{ key: "hdr.k", value: utf8("w") }] }),
      { code: Code.NotFound, id: "AUTHZ-cdgFk", text: "membership not found" },
    );
    expect(await userKeys("hdr.")).toEqual(["hdr.k=v"]);
    await expectZitadelError(v2As(e, protocol, "acme-admin", "no-such-org").users.listUserMetadata({ userId: alice() }), {
      code: Code.PermissionDenied,
      id: "AUTH-Bs7Ds",
      text: "Organisation doesn't exist",
    });
  });

  it("authentication: no authorization header, an unknown token", async () => {
    const e = emulator();
    await expectZitadelError(createUserServiceV2Client(rawTransport(e, protocol)).listUserMetadata({ userId: alice() }), {
      code: Code.Unauthenticated,
      text: "auth header missing",
    });
    const transport = createZitadelTransport({ baseUrl: e.url, protocol, auth: "not-a-token" });
    await expectZitadelError(createOrganizationServiceV2Client(transport).listOrganizationMetadata({ organizationId: acme() }), {
      code: Code.Unauthenticated,
      id: "AUTH-7fs1e",
      text: "Errors.Token.Invalid",
    });
  });

  it("v1 and v2 share one store: a v1 set is listed by v2, a v2 set is read by v1", async () => {
    const e = emulator();
    const { mgmt } = clientsAs(e, protocol === "connect" ? "grpc" : protocol, "acme-admin");
    const { users, orgs, orgsBeta } = admin();
    await mgmt.setUserMetadata({ id: alice(), key: "cross.v1", value: utf8("from v1") });
    await mgmt.setOrgMetadata({ key: "cross.v1", value: utf8("from v1") });
    expect(await userKeys("cross.")).toEqual(["cross.v1=from v1"]);
    expect(await orgKeys("cross.")).toEqual(["cross.v1=from v1"]);
    const beta = await orgsBeta.listOrganizationMetadata({ organizationId: acme(), filter: startsWithBeta("cross.") });
    expect(beta.metadata.map((m) => text(m.value))).toEqual(["from v1"]);

    await users.setUserMetadata({ userId: alice(), metadata: [{ key: "cross.v2", value: utf8("from v2") }] });
    await orgs.setOrganizationMetadata({ organizationId: acme(), metadata: [{ key: "cross.v2", value: utf8("from v2") }] });
    await orgsBeta.setOrganizationMetadata({ organizationId: acme(), metadata: [{ key: "cross.v2beta", value: utf8("from v2beta") }] });
    expect(text((await mgmt.getUserMetadata({ id: alice(), key: "cross.v2" })).metadata!.value)).toBe("from v2");
    expect(text((await mgmt.getOrgMetadata({ key: "cross.v2" })).metadata!.value)).toBe("from v2");
    expect(text((await mgmt.getOrgMetadata({ key: "cross.v2beta" })).metadata!.value)).toBe("from v2beta");
    // A v2 delete is seen by v1.
    await users.deleteUserMetadata({ userId: alice(), keys: ["cross.v1", "cross.v2"] });
    await expectZitadelError(mgmt.getUserMetadata({ id: alice(), key: "cross.v1" }), { code: Code.NotFound, id: "QUERY-Rgh32", text: "Metadata not found" });
  });
});

describe("v2 on the wire", () => {
  const emulator = useEmulator({ seed });

  it("Connect JSON errors carry the ErrorDetail as value and debug", async () => {
    const e = emulator();
    const res = await fetch(`${e.url}/zitadel.user.v2.UserService/SetUserMetadata`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${e.user("acme-admin").token}` },
      body: JSON.stringify({ userId: e.user("alice").id, metadata: [] }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string; details: { type: string; value: string; debug: unknown }[] };
    expect({ code: body.code, message: body.message }).toEqual({ code: "failed_precondition", message: "Metadata list is empty (META-9mm2d)" });
    expect(body.details).toHaveLength(1);
    const [detail] = body.details;
    expect({ type: detail!.type, debug: detail!.debug }).toEqual({
      type: "zitadel.v1.ErrorDetail",
      debug: { id: "META-9mm2d", message: "Metadata list is empty" },
    });
    expect(fromBinary(ErrorDetailSchema, Buffer.from(detail!.value, "base64"))).toMatchObject({ id: "META-9mm2d", message: "Metadata list is empty" });
  });

  it("REST: POST /v2/users/{id}/metadata, POST …/search, DELETE with ?keys=; /v2beta/organizations/…", async () => {
    const e = emulator();
    const alice = e.user("alice").id;
    const acme = e.org("acme").id;
    const headers = { "content-type": "application/json", authorization: `Bearer ${e.user("acme-admin").token}` };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${e.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const set = await call("POST", `/v2/users/${alice}/metadata`, { metadata: ["rest.a", "rest.b", "rest.c"].map((key) => ({ key, value: b64(key) })) });
    expect(set.status).toBe(200);
    expect(typeof set.body.setDate).toBe("string");
    const del = await call("DELETE", `/v2/users/${alice}/metadata?keys=rest.a&keys=rest.b`);
    expect(del.status).toBe(200);
    expect(typeof del.body.deletionDate).toBe("string");
    const listed = await call("POST", `/v2/users/${alice}/metadata/search`, {
      filters: [{ keyFilter: { key: "rest.", method: "TEXT_FILTER_METHOD_STARTS_WITH" } }],
    });
    expect(listed.body).toMatchObject({ pagination: { totalResult: "1", appliedLimit: "100" }, metadata: [{ key: "rest.c", value: b64("rest.c") }] });
    const beta = await call("POST", `/v2beta/organizations/${acme}/metadata`, { metadata: [{ key: "rest.o", value: b64("o") }] });
    expect(beta.status).toBe(200);
    const missing = await call("DELETE", `/v2/organizations/${acme}/metadata?keys=rest.o&keys=rest.nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 5, message: "One or more keys do not exist (META-2npds)" });
  });

  it.each([
    { name: "Connect with binary messages", protocol: "connect" as const, options: { useBinaryFormat: true } },
    { name: "Connect with JSON over HTTP/2", protocol: "connect" as const, options: { useBinaryFormat: false, httpVersion: "2" as const } },
    { name: "gRPC-web with JSON messages", protocol: "grpc-web" as const, options: { useBinaryFormat: false } },
  ])("v2 over $name: a set, a list and an error", async ({ protocol, options }) => {
    const e = emulator();
    const transport = createZitadelTransport({ baseUrl: e.url, protocol, auth: e.user("acme-admin").token, ...options });
    const users = createUserServiceV2Client(transport);
    const key = `codec.${protocol}.${String(options.useBinaryFormat)}`;
    await users.setUserMetadata({ userId: e.user("alice").id, metadata: [{ key, value: utf8("ä\u0000v") }] });
    const listed = await users.listUserMetadata({ userId: e.user("alice").id, filters: startsWith(key) });
    expect(listed.metadata.map((m) => [m.key, text(m.value)])).toEqual([[key, "ä\u0000v"]]);
    await expectZitadelError(users.deleteUserMetadata({ userId: e.user("alice").id, keys: [`${key}.nope`] }), {
      code: Code.NotFound,
      id: "META-2nnds",
      text: "One or more keys do not exist",
    });
  });

  it("gRPC with a JSON codec (application/grpc+json) on a v2 path is proto3 JSON, as connect-go serves it", async () => {
    const e = emulator();
    const body = JSON.stringify({ userId: e.user("alice").id, filters: startsWithJson("nothing.here.") });
    const res = await http2Request(`${e.url}/zitadel.user.v2.UserService/ListUserMetadata`, {
      method: "POST",
      headers: { authorization: `Bearer ${e.user("acme-admin").token}`, "content-type": "application/grpc+json", te: "trailers" },
      body: frame(utf8(body)),
    });
    expect(res.status).toBe(200);
    expect(res.trailers?.["grpc-status"] ?? res.headers["grpc-status"]).toBe("0");
    const [message] = parseFrames(res.body);
    expect(JSON.parse(message!.bytes.toString("utf8"))).toEqual({ pagination: { appliedLimit: "100" } });
  });

  it("the changing list order applies to org lists, not to the user lists ordered by creation date", async () => {
    const e = emulator();
    const { users, orgs } = v2As(e, "connect", "acme-admin");
    const keys = Array.from({ length: 12 }, (_, i) => `shuffle.${String(i).padStart(2, "0")}`);
    for (const key of keys) {
      await users.setUserMetadata({ userId: e.user("alice").id, metadata: [{ key, value: utf8("v") }] });
      await orgs.setOrganizationMetadata({ organizationId: e.org("acme").id, metadata: [{ key, value: utf8("v") }] });
    }
    e.quirks.listOrder = "changing";
    try {
      const orgOrders = new Set<string>();
      for (let i = 0; i < 8; i++) {
        const u = await users.listUserMetadata({ userId: e.user("alice").id, filters: startsWith("shuffle."), pagination: { asc: true } });
        expect(u.metadata.map((m) => m.key)).toEqual(keys);
        const o = await orgs.listOrganizationMetadata({ organizationId: e.org("acme").id, filters: startsWith("shuffle.") });
        expect(o.metadata.map((m) => m.key).sort()).toEqual(keys);
        orgOrders.add(o.metadata.map((m) => m.key).join(","));
      }
      // 12! orders: eight lists in the same one would be a broken shuffle.
      expect(orgOrders.size).toBeGreaterThan(1);
    } finally {
      e.quirks.listOrder = "storage";
    }
  });
});
