// Proof with a toolchain that is not ours: the .proto files as npm ships them
// (proto/ of the packed tarball), loaded at run time by @grpc/proto-loader and
// protobufjs, with @grpc/grpc-js for the calls.
// - a grpc-js client calls every RPC the emulator serves, v1 and v2, and what
//   it writes our client reads (and the reverse); its errors carry a
//   google.rpc.Status with a zitadel.v1.ErrorDetail that protobufjs decodes;
// - a grpc-js server built from the same files serves our client, v1
//   (ManagementService) and v2 (UserService, OrganizationService v2 and
//   v2beta): it decodes what our client sends (recorded, headers too), our
//   client decodes what it answers, and our ZitadelError shows the id the
//   server put in grpc-status-details-bin;
// - proto3 JSON written by protobuf-es reads back in protobufjs and the
//   reverse, to the same bytes (with the one deviation protobufjs has here,
//   Timestamp, and its habit of writing explicit zeros, both spelled out).
import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { create, equals, fromBinary, fromJson, fromJsonString, toBinary, toJsonString } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import type protobuf from "protobufjs";
import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ListUserMetadataRequestSchema, ListUserMetadataResponseSchema, SetUserMetadataRequestSchema } from "../gen/zitadel/management_pb.js";
import { MetadataSchema } from "../gen/zitadel/metadata_pb.js";
import { TextQueryMethod } from "../gen/zitadel/object_pb.js";
import { TextQueryMethod as TextQueryMethodV2beta } from "../gen/zitadel/object/v2beta/object_pb.js";
import type { MetadataClientOptions } from "../src/index.js";
import {
  accessToken,
  createMetadataClient,
  createOrganizationServiceV2betaClient,
  createZitadelTransport,
  getErrorDetail,
  isMetadataNotFound,
  isPermissionDenied,
  isUnauthenticated,
  isUserNotFound,
  json,
  ZitadelError,
} from "../src/index.js";
import { useEmulator } from "./support/emulator.js";
import type { GrpcJsMetadataServer, StoredEntry } from "./support/grpc-js-metadata-server.js";
import { servedServices, startGrpcJsMetadataServer } from "./support/grpc-js-metadata-server.js";
import type { DecodedStatus, ForeignToolchain } from "./support/grpc-js-toolchain.js";
import { decodeStatusDetails, loadForeignToolchain, serviceClient, serviceError, unary } from "./support/grpc-js-toolchain.js";
import type { PackedProtos } from "./support/packed-protos.js";
import { extractPackedProtos } from "./support/packed-protos.js";
import { root } from "./support/packed-package.js";
import { timestampsForProto3, timestampsForProtobufjs } from "./support/protobufjs-timestamps.js";

/** The files a foreign team loads: every service the emulator serves, and the error types. */
const foreignFiles = [
  "zitadel/management.proto",
  "zitadel/auth.proto",
  "zitadel/user/v2/user_service.proto",
  "zitadel/org/v2/org_service.proto",
  "zitadel/org/v2beta/org_service.proto",
  "google/rpc/status.proto",
  "zitadel/message.proto",
];

// Values that break careless codecs.
const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const reversedBytes = Buffer.from(allBytes).reverse();
const trickyKey = "ключ-🔑-ü";
/** 2^53 + 1: no double holds it. */
const bigSequence = 2n ** 53n + 1n;
const maxUint64 = 2n ** 64n - 1n;

let protos: PackedProtos | undefined;
let tool: ForeignToolchain;

beforeAll(async () => {
  protos = await extractPackedProtos();
  tool = loadForeignToolchain(protos.root, foreignFiles);
});

afterAll(async () => {
  await protos?.remove();
});

/** A timestamp as proto-loader gives it (longs as strings; zero fields left out). */
interface Ts {
  seconds?: string;
  nanos?: number;
}
interface ObjectDetails {
  sequence?: string;
  creationDate?: Ts;
  changeDate?: Ts;
  resourceOwner?: string;
}
interface V1Row {
  details?: ObjectDetails;
  key: string;
  value: Buffer;
}
interface V1Written {
  id?: string;
  details: ObjectDetails;
}
interface V1Got {
  metadata: V1Row;
}
interface V1Listed {
  details?: { totalResult?: string; processedSequence?: string; viewTimestamp?: Ts };
  result: V1Row[];
}
interface V2Row {
  creationDate?: Ts;
  changeDate?: Ts;
  key: string;
  value: Buffer;
}
interface V2Listed {
  pagination?: { totalResult?: string; appliedLimit?: string };
  metadata: V2Row[];
}

const positiveInteger = /^[1-9]\d*$/;
/** A timestamp of this run (the emulator's clock), not a zero or a constant. */
const aTimestamp = () => ({ seconds: expect.stringMatching(positiveInteger), nanos: expect.any(Number) });
const valuesByKey = (rows: readonly { key: string; value: Uint8Array }[]) => Object.fromEntries(rows.map((r) => [r.key, Buffer.from(r.value)]));
/** Whether a Date is the timestamp, to the millisecond our client keeps. */
const sameInstant = (date: Date | undefined, ts: Ts | undefined) =>
  date !== undefined && ts !== undefined && Math.abs(date.getTime() - (Number(ts.seconds ?? "0") * 1000 + (ts.nanos ?? 0) / 1e6)) < 1;

describe("the packed tarball", () => {
  it("holds every .proto file of the checkout, which the foreign toolchain loads from there", () => {
    const checkout = join(root, "proto");
    const ours = readdirSync(checkout, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".proto"))
      .map((e) => relative(checkout, join(e.parentPath, e.name)).split(sep).join("/"))
      .sort();
    expect(protos?.files).toEqual(ours);
    expect(ours).toEqual(expect.arrayContaining(foreignFiles));
  });
});

describe("a grpc-js client, built at run time from the packed files, on the emulator over gRPC (h2c)", () => {
  const emulator = useEmulator({
    seed: {
      orgs: [{ name: "acme" }, { name: "globex" }, { name: "initech" }],
      users: [
        { userName: "acme-admin", org: "acme", roles: ["ORG_OWNER"] },
        { userName: "alice", org: "acme", roles: [] },
        { userName: "bob", org: "acme", roles: [] },
        { userName: "carol", org: "acme", roles: [] },
        { userName: "globex-admin", org: "globex", roles: ["ORG_OWNER"] },
        { userName: "initech-admin", org: "initech", roles: ["ORG_OWNER"] },
      ],
    },
  });
  let clients: Record<"mgmt" | "auth" | "userV2" | "orgV2" | "orgV2beta", grpc.Client>;

  beforeAll(() => {
    const address = `127.0.0.1:${emulator().port}`;
    const client = (service: string) => new (serviceClient(tool, service))(address, grpc.credentials.createInsecure());
    clients = {
      mgmt: client("zitadel.management.v1.ManagementService"),
      auth: client("zitadel.auth.v1.AuthService"),
      userV2: client("zitadel.user.v2.UserService"),
      orgV2: client("zitadel.org.v2.OrganizationService"),
      orgV2beta: client("zitadel.org.v2beta.OrganizationService"),
    };
  });
  afterAll(() => {
    for (const c of Object.values(clients ?? {})) c.close();
  });

  /** The headers a grpc-js user sets by hand: the bearer token, and the context organization. */
  const headers = (userName: string, orgId?: string) => {
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${emulator().user(userName).token}`);
    if (orgId !== undefined) metadata.set("x-zitadel-orgid", orgId);
    return metadata;
  };
  /** Our own high-level client, over gRPC, as the same user. */
  const ours = (userName: string, options?: MetadataClientOptions) =>
    createMetadataClient(createZitadelTransport({ baseUrl: emulator().url, protocol: "grpc", auth: accessToken(emulator().user(userName).token) }), options);

  it("ManagementService user metadata: Set, BulkSet, Get, List, Remove, BulkRemove; our client reads what grpc-js wrote, and the reverse", async () => {
    const { mgmt } = clients;
    const acme = emulator().org("acme").id;
    const id = emulator().user("alice").id;
    const md = headers("acme-admin", acme);

    const set = await unary<V1Written>(mgmt, "SetUserMetadata", { id, key: "bytes", value: allBytes }, md);
    // The response's id is never filled: not on the wire at all.
    expect(set).toEqual({ details: { sequence: expect.stringMatching(positiveInteger), creationDate: aTimestamp(), resourceOwner: acme } });
    const bulk = await unary<V1Written>(
      mgmt,
      "BulkSetUserMetadata",
      {
        id,
        metadata: [
          { key: trickyKey, value: Buffer.from("значение ✓") },
          { key: "plain", value: Buffer.from("x") },
        ],
      },
      md,
    );
    // One event per entry, on the user's own sequence.
    expect(BigInt(bulk.details.sequence ?? "")).toBe(BigInt(set.details.sequence ?? "") + 2n);
    expect(bulk.details.resourceOwner).toBe(acme);

    const got = await unary<V1Got>(mgmt, "GetUserMetadata", { id, key: "bytes" }, md);
    expect(got.metadata).toEqual({
      details: { sequence: set.details.sequence, creationDate: aTimestamp(), changeDate: aTimestamp(), resourceOwner: acme },
      key: "bytes",
      value: allBytes,
    });
    const tricky = await unary<V1Got>(mgmt, "GetUserMetadata", { id, key: trickyKey }, md);
    expect(tricky.metadata.value.toString("utf8")).toBe("значение ✓");

    const listed = await unary<V1Listed>(mgmt, "ListUserMetadata", { id, query: { limit: 0 } }, md);
    expect(listed.details).toEqual({ totalResult: "3", viewTimestamp: aTimestamp() });
    expect(valuesByKey(listed.result)).toEqual({ bytes: allBytes, [trickyKey]: Buffer.from("значение ✓"), plain: Buffer.from("x") });
    const filtered = await unary<V1Listed>(
      mgmt,
      "ListUserMetadata",
      { id, queries: [{ keyQuery: { key: "ключ-", method: "TEXT_QUERY_METHOD_STARTS_WITH" } }] },
      md,
    );
    expect({ total: filtered.details?.totalResult, keys: filtered.result.map((r) => r.key) }).toEqual({ total: "1", keys: [trickyKey] });

    // What grpc-js wrote, read by our client...
    const mine = ours("acme-admin").user(id);
    const entry = await mine.get("bytes", { orgId: acme });
    expect(Buffer.from(entry?.value ?? [])).toEqual(allBytes);
    expect(entry?.details.sequence).toBe(BigInt(set.details.sequence ?? ""));
    expect(sameInstant(entry?.details.changeDate, got.metadata.details?.changeDate)).toBe(true);
    expect(valuesByKey(await mine.list({ orgId: acme }).toArray())).toEqual(valuesByKey(listed.result));
    // ...and what our client wrote, read by grpc-js.
    await mine.set("from-ours", reversedBytes, { orgId: acme });
    await mine.setMany({ "ours-🙂": "тест", "ours-json": json({ n: [1, "ü"] }) }, { orgId: acme });
    const both = await unary<V1Listed>(mgmt, "ListUserMetadata", { id, query: { limit: 0 } }, md);
    expect(valuesByKey(both.result)).toEqual({
      ...valuesByKey(listed.result),
      "from-ours": reversedBytes,
      "ours-🙂": Buffer.from("тест"),
      "ours-json": Buffer.from('{"n":[1,"ü"]}'),
    });

    const removed = await unary<V1Written>(mgmt, "RemoveUserMetadata", { id, key: "plain" }, md);
    expect(removed).toEqual({ details: { sequence: expect.stringMatching(positiveInteger), changeDate: aTimestamp(), resourceOwner: acme } });
    expect(await mine.get("plain", { orgId: acme })).toBeUndefined();
    const rest = ["bytes", trickyKey, "from-ours", "ours-🙂", "ours-json"];
    const bulkRemoved = await unary<V1Written>(mgmt, "BulkRemoveUserMetadata", { id, keys: rest }, md);
    expect(BigInt(bulkRemoved.details.sequence ?? "")).toBe(BigInt(removed.details.sequence ?? "") + BigInt(rest.length));
    const empty = await unary<V1Listed>(mgmt, "ListUserMetadata", { id, query: { limit: 0 } }, md);
    // total_result 0 is not on the wire.
    expect(empty).toEqual({ details: { viewTimestamp: aTimestamp() }, result: [] });
    expect(await mine.list({ orgId: acme }).toArray()).toEqual([]);
  });

  it("ManagementService org metadata: Set, BulkSet, Get, List, Remove, BulkRemove of the context organization (x-zitadel-orgid)", async () => {
    const { mgmt } = clients;
    const acme = emulator().org("acme").id;
    const md = headers("acme-admin", acme);

    const first = await unary<V1Written>(mgmt, "SetOrgMetadata", { key: trickyKey, value: allBytes }, md);
    expect(first).toEqual({ details: { sequence: expect.stringMatching(positiveInteger), creationDate: aTimestamp(), resourceOwner: acme } });
    // An org key is written again even with the same value: a new event.
    const again = await unary<V1Written>(mgmt, "SetOrgMetadata", { key: trickyKey, value: allBytes }, md);
    expect(BigInt(again.details.sequence ?? "")).toBe(BigInt(first.details.sequence ?? "") + 1n);
    const bulk = await unary<V1Written>(mgmt, "BulkSetOrgMetadata", { metadata: [{ key: "tier", value: Buffer.from("gold") }] }, md);
    expect(bulk.details).toMatchObject({ sequence: (BigInt(again.details.sequence ?? "") + 1n).toString(), resourceOwner: acme });

    const got = await unary<V1Got>(mgmt, "GetOrgMetadata", { key: trickyKey }, md);
    expect(got.metadata).toEqual({
      details: { sequence: again.details.sequence, creationDate: aTimestamp(), changeDate: aTimestamp(), resourceOwner: acme },
      key: trickyKey,
      value: allBytes,
    });
    const listed = await unary<V1Listed>(mgmt, "ListOrgMetadata", { query: { limit: 0 } }, md);
    expect(listed.details?.totalResult).toBe("2");
    expect(valuesByKey(listed.result)).toEqual({ [trickyKey]: allBytes, tier: Buffer.from("gold") });
    const filtered = await unary<V1Listed>(
      mgmt,
      "ListOrgMetadata",
      { queries: [{ keyQuery: { key: "IER", method: "TEXT_QUERY_METHOD_CONTAINS_IGNORE_CASE" } }] },
      md,
    );
    expect(filtered.result.map((r) => r.key)).toEqual(["tier"]);

    const mine = ours("acme-admin").org(acme);
    expect(Buffer.from((await mine.get(trickyKey))?.value ?? [])).toEqual(allBytes);
    await mine.set("from-ours", reversedBytes);
    expect((await unary<V1Got>(mgmt, "GetOrgMetadata", { key: "from-ours" }, md)).metadata.value).toEqual(reversedBytes);

    const removed = await unary<V1Written>(mgmt, "RemoveOrgMetadata", { key: "tier" }, md);
    expect(removed).toEqual({ details: { sequence: expect.stringMatching(positiveInteger), changeDate: aTimestamp(), resourceOwner: acme } });
    const bulkRemoved = await unary<V1Written>(mgmt, "BulkRemoveOrgMetadata", { keys: [trickyKey, "from-ours"] }, md);
    expect(BigInt(bulkRemoved.details.sequence ?? "")).toBe(BigInt(removed.details.sequence ?? "") + 2n);
    expect((await unary<V1Listed>(mgmt, "ListOrgMetadata", {}, md)).result).toEqual([]);
    expect(await mine.get(trickyKey)).toBeUndefined();
  });

  it("AuthService: ListMyMetadata and GetMyMetadata read the caller's own metadata, as our client's me() does", async () => {
    const { mgmt, auth } = clients;
    const acme = emulator().org("acme").id;
    const bob = emulator().user("bob");
    await unary<V1Written>(mgmt, "SetUserMetadata", { id: bob.id, key: trickyKey, value: allBytes }, headers("acme-admin", acme));
    await ours("acme-admin").user(bob.id).set("from-ours", reversedBytes);

    const asBob = headers("bob");
    const got = await unary<V1Got>(auth, "GetMyMetadata", { key: trickyKey }, asBob);
    expect(got.metadata).toEqual({
      details: { sequence: expect.stringMatching(positiveInteger), creationDate: aTimestamp(), changeDate: aTimestamp(), resourceOwner: acme },
      key: trickyKey,
      value: allBytes,
    });
    expect((await unary<V1Got>(auth, "GetMyMetadata", { key: "from-ours" }, asBob)).metadata.value).toEqual(reversedBytes);
    const listed = await unary<V1Listed>(auth, "ListMyMetadata", { query: { limit: 0 } }, asBob);
    expect(listed.details?.totalResult).toBe("2");
    expect(valuesByKey(listed.result)).toEqual({ [trickyKey]: allBytes, "from-ours": reversedBytes });
    const filtered = await unary<V1Listed>(auth, "ListMyMetadata", { queries: [{ keyQuery: { key: "-ours", method: "TEXT_QUERY_METHOD_ENDS_WITH" } }] }, asBob);
    expect(filtered.result.map((r) => r.key)).toEqual(["from-ours"]);

    const me = ours("bob").me();
    expect((await me.get(trickyKey))?.details.sequence).toBe(BigInt(got.metadata.details?.sequence ?? ""));
    expect(valuesByKey(await me.list().toArray())).toEqual(valuesByKey(listed.result));
  });

  it("UserService v2: SetUserMetadata, ListUserMetadata, DeleteUserMetadata; our v2 client reads what grpc-js wrote, and the reverse", async () => {
    const { userV2 } = clients;
    const carol = emulator().user("carol").id;
    // v2: the user decides the organization, no x-zitadel-orgid.
    const md = headers("acme-admin");

    const set = await unary<{ setDate?: Ts }>(
      userV2,
      "SetUserMetadata",
      {
        userId: carol,
        metadata: [
          { key: trickyKey, value: allBytes },
          { key: "plain", value: Buffer.from("x") },
        ],
      },
      md,
    );
    expect(set).toEqual({ setDate: aTimestamp() });
    const listed = await unary<V2Listed>(userV2, "ListUserMetadata", { userId: carol }, md);
    // No pagination: 100 rows, and the server says so.
    expect(listed.pagination).toEqual({ totalResult: "2", appliedLimit: "100" });
    expect(listed.metadata.map((r) => ({ ...r, value: r.value.toString("hex") }))).toEqual(
      expect.arrayContaining([
        { creationDate: aTimestamp(), changeDate: aTimestamp(), key: trickyKey, value: allBytes.toString("hex") },
        { creationDate: aTimestamp(), changeDate: aTimestamp(), key: "plain", value: "78" },
      ]),
    );
    const filtered = await unary<V2Listed>(
      userV2,
      "ListUserMetadata",
      { userId: carol, pagination: { limit: 5 }, filters: [{ keyFilter: { key: "PLAIN", method: "TEXT_FILTER_METHOD_EQUALS_IGNORE_CASE" } }] },
      md,
    );
    expect({ pagination: filtered.pagination, keys: filtered.metadata.map((r) => r.key) }).toEqual({
      pagination: { totalResult: "1", appliedLimit: "5" },
      keys: ["plain"],
    });
    // An empty value removes its key.
    await unary(userV2, "SetUserMetadata", { userId: carol, metadata: [{ key: "plain", value: Buffer.alloc(0) }] }, md);

    const mine = ours("acme-admin", { api: "v2" }).user(carol);
    expect(Buffer.from((await mine.get(trickyKey))?.value ?? [])).toEqual(allBytes);
    expect(await mine.get("plain")).toBeUndefined();
    await mine.set("from-ours", reversedBytes);
    const both = await unary<V2Listed>(userV2, "ListUserMetadata", { userId: carol }, md);
    expect(valuesByKey(both.metadata)).toEqual({ [trickyKey]: allBytes, "from-ours": reversedBytes });

    const deleted = await unary<{ deletionDate?: Ts }>(userV2, "DeleteUserMetadata", { userId: carol, keys: [trickyKey, "from-ours"] }, md);
    expect(deleted).toEqual({ deletionDate: aTimestamp() });
    expect(await unary<V2Listed>(userV2, "ListUserMetadata", { userId: carol }, md)).toEqual({ pagination: { appliedLimit: "100" }, metadata: [] });
  });

  for (const [label, clientName, orgName, filterField, filter] of [
    ["OrganizationService v2", "orgV2", "globex", "filters", { keyFilter: { key: "ti", method: "TEXT_FILTER_METHOD_STARTS_WITH" } }],
    ["OrganizationService v2beta", "orgV2beta", "initech", "filter", { keyQuery: { key: "ti", method: "TEXT_QUERY_METHOD_STARTS_WITH" } }],
  ] as const) {
    it(`${label}: SetOrganizationMetadata, ListOrganizationMetadata, DeleteOrganizationMetadata; our v2 client reads what grpc-js wrote, and the reverse`, async () => {
      const client = clients[clientName];
      const organizationId = emulator().org(orgName).id;
      const md = headers(`${orgName}-admin`);

      const set = await unary<{ setDate?: Ts }>(
        client,
        "SetOrganizationMetadata",
        {
          organizationId,
          metadata: [
            { key: trickyKey, value: allBytes },
            { key: "tier", value: Buffer.from("gold") },
          ],
        },
        md,
      );
      expect(set).toEqual({ setDate: aTimestamp() });
      const listed = await unary<V2Listed>(client, "ListOrganizationMetadata", { organizationId }, md);
      // Org lists report the raw requested limit: 0 when absent, so not on the wire.
      expect(listed.pagination).toEqual({ totalResult: "2" });
      expect(valuesByKey(listed.metadata)).toEqual({ [trickyKey]: allBytes, tier: Buffer.from("gold") });
      expect(listed.metadata.every((r) => r.creationDate?.seconds !== undefined && r.changeDate?.seconds !== undefined)).toBe(true);
      const filtered = await unary<V2Listed>(client, "ListOrganizationMetadata", { organizationId, pagination: { limit: 10 }, [filterField]: [filter] }, md);
      expect({ pagination: filtered.pagination, keys: filtered.metadata.map((r) => r.key) }).toEqual({
        pagination: { totalResult: "1", appliedLimit: "10" },
        keys: ["tier"],
      });

      const mine = ours(`${orgName}-admin`, { api: "v2", orgId: organizationId }).org();
      expect(Buffer.from((await mine.get(trickyKey))?.value ?? [])).toEqual(allBytes);
      await mine.set("from-ours", reversedBytes);
      const both = await unary<V2Listed>(client, "ListOrganizationMetadata", { organizationId }, md);
      expect(valuesByKey(both.metadata)).toEqual({ [trickyKey]: allBytes, tier: Buffer.from("gold"), "from-ours": reversedBytes });

      const deleted = await unary<{ deletionDate?: Ts }>(client, "DeleteOrganizationMetadata", { organizationId, keys: [trickyKey, "tier", "from-ours"] }, md);
      expect(deleted).toEqual({ deletionDate: aTimestamp() });
      expect((await unary<V2Listed>(client, "ListOrganizationMetadata", { organizationId }, md)).metadata).toEqual([]);
    });
  }

  /** The failure of a grpc-js call: its code and message, and the trailer decoded by protobufjs from our status.proto and message.proto. */
  const failure = async (call: Promise<unknown>): Promise<{ code: grpc.status; details: string; status: DecodedStatus | undefined }> => {
    const error = await serviceError(call);
    return { code: error.code, details: error.details, status: decodeStatusDetails(tool, error) };
  };
  /** What ZITADEL sends: the code, "<text> (<id>)", and the same in a google.rpc.Status with one zitadel.v1.ErrorDetail. */
  const zitadelFailure = (code: grpc.status, id: string, text: string) => ({
    code,
    details: `${text} (${id})`,
    status: { code, message: `${text} (${id})`, details: [{ typeUrl: "type.googleapis.com/zitadel.v1.ErrorDetail", value: { id, message: text } }] },
  });

  it("errors: grpc-status-details-bin decodes to google.rpc.Status with the zitadel.v1.ErrorDetail our client reports", async () => {
    const { mgmt, auth, userV2 } = clients;
    const acme = emulator().org("acme").id;
    const alice = emulator().user("alice").id;
    const md = headers("acme-admin", acme);

    expect(await failure(unary(mgmt, "GetUserMetadata", { id: alice, key: "missing" }, md))).toEqual(
      zitadelFailure(grpc.status.NOT_FOUND, "QUERY-Rgh32", "Metadata not found"),
    );
    expect(await failure(unary(mgmt, "GetOrgMetadata", { key: "missing" }, md))).toEqual(
      zitadelFailure(grpc.status.NOT_FOUND, "QUERY-Rph32", "Metadata not found"),
    );
    expect(await failure(unary(auth, "GetMyMetadata", { key: "missing" }, headers("alice")))).toEqual(
      zitadelFailure(grpc.status.NOT_FOUND, "QUERY-Rgh32", "Metadata not found"),
    );
    const removeMissing = await failure(unary(mgmt, "RemoveUserMetadata", { id: alice, key: "missing" }, md));
    expect(removeMissing).toEqual(zitadelFailure(grpc.status.NOT_FOUND, "META-ncnw3", "Metadata not found"));
    expect(await failure(unary(mgmt, "BulkRemoveUserMetadata", { id: alice, keys: ["missing"] }, md))).toEqual(
      zitadelFailure(grpc.status.NOT_FOUND, "META-2nnds", "One or more keys do not exist"),
    );
    expect(await failure(unary(userV2, "DeleteUserMetadata", { userId: alice, keys: ["missing"] }, headers("acme-admin")))).toEqual(
      zitadelFailure(grpc.status.NOT_FOUND, "META-2nnds", "One or more keys do not exist"),
    );
    // A user outside the context organization, written to.
    const globex = emulator().org("globex").id;
    expect(await failure(unary(mgmt, "SetUserMetadata", { id: alice, key: "k", value: Buffer.from("v") }, headers("globex-admin", globex)))).toEqual(
      zitadelFailure(grpc.status.FAILED_PRECONDITION, "COMMAND-uXHNj", "User could not be found"),
    );

    // Unauthenticated: a token the server does not know carries an ErrorDetail; no authorization header at all carries none.
    const unknownToken = new grpc.Metadata();
    unknownToken.set("authorization", "Bearer not-a-token");
    expect(await failure(unary(mgmt, "GetUserMetadata", { id: alice, key: "k" }, unknownToken))).toEqual(
      zitadelFailure(grpc.status.UNAUTHENTICATED, "AUTH-7fs1e", "Errors.Token.Invalid"),
    );
    expect(await failure(unary(mgmt, "GetUserMetadata", { id: alice, key: "k" }, new grpc.Metadata()))).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      details: "auth header missing",
      status: undefined,
    });

    // Our client sees the same id and code for the same call.
    const ourError = await ours("acme-admin")
      .user(alice)
      .remove("missing", { orgId: acme })
      .catch((e: unknown) => e);
    expect(ourError).toBeInstanceOf(ZitadelError);
    expect({ code: (ourError as ZitadelError).code, id: (ourError as ZitadelError).id }).toEqual({
      code: removeMissing.code as number as Code,
      id: removeMissing.status?.details[0]?.value.id,
    });
  });
});

describe("our client (v1, ManagementService) on a grpc-js server built at run time from the packed files", () => {
  const token = "grpc-js-server-token";
  const orgId = "71234567890123456";
  const userId = "312345678901234567";
  const otherOrgUserId = "399999999999999999";
  const noMembershipUserId = "388888888888888888";
  const firstWriteAt = { seconds: "1700000000", nanos: 987_654_321 };
  let server: GrpcJsMetadataServer | undefined;

  beforeAll(async () => {
    server = await startGrpcJsMetadataServer(tool, {
      token,
      orgId,
      userIds: [userId],
      noMembershipUserId,
      firstSequence: bigSequence,
      firstWriteAt,
      viewTimestamp: { seconds: "1700000100", nanos: 1 },
    });
  });
  afterAll(() => server?.close());

  const client = (auth = token) => {
    if (!server) throw new Error("the grpc-js server has not started");
    return createMetadataClient(createZitadelTransport({ baseUrl: server.url, protocol: "grpc", auth: accessToken(auth), orgId }));
  };

  it("sets, gets, lists (paging by offset) and removes; the server stores exactly what our client sent", async () => {
    const s = server as GrpcJsMetadataServer;
    const user = client().user(userId);

    const written = await user.set(trickyKey, allBytes);
    // 2^53 + 1 and nanos through to a bigint and a Date.
    expect(written.details).toEqual({
      sequence: bigSequence,
      creationDate: new Date(1_700_000_000_988),
      changeDate: undefined,
      resourceOwner: orgId,
    });
    expect(s.stored(userId).get(trickyKey)?.value).toEqual(allBytes);
    await user.set("text", "значение 🙂");
    await user.set("json", json({ a: [1, "ü"] }));
    expect(s.stored(userId).get("text")?.value).toEqual(Buffer.from("значение 🙂"));

    const entry = await user.get(trickyKey);
    expect(Buffer.from(entry?.value ?? [])).toEqual(allBytes);
    expect(entry?.details).toEqual({
      sequence: bigSequence,
      creationDate: new Date(1_700_000_000_988),
      changeDate: new Date(1_700_000_000_988),
      resourceOwner: orgId,
    });
    expect((await user.get("json"))?.json()).toEqual({ a: [1, "ü"] });

    const listed = await user.list({ pageSize: 2 }).toArray();
    expect(valuesByKey(listed)).toEqual({ [trickyKey]: allBytes, text: Buffer.from("значение 🙂"), json: Buffer.from('{"a":[1,"ü"]}') });
    const pages = s.calls.filter((c) => c.rpc === "ListUserMetadata").map((c) => c.request.query);
    // Offset 0 is a zero: not on the wire, so proto-loader leaves it out.
    expect(pages).toEqual([{ limit: 2 }, { offset: "2", limit: 2 }]);

    const removed = await user.remove("text");
    expect(removed.details).toEqual({ sequence: bigSequence + 3n, creationDate: undefined, changeDate: new Date(1_700_000_003_988), resourceOwner: orgId });
    expect(s.stored(userId).has("text")).toBe(false);

    // Every call carried the token and the transport's organization.
    expect(new Set(s.calls.map((c) => JSON.stringify([c.authorization, c.orgId])))).toEqual(new Set([JSON.stringify([[`Bearer ${token}`], [orgId]])]));
  });

  it("the server's grpc-status-details-bin reaches our client: a missing key is undefined for get(), a ZitadelError for remove()", async () => {
    const user = client().user(userId);
    // NotFound with QUERY-Rgh32 in the ErrorDetail: get() reads that as "no such key".
    expect(await user.get("never-written")).toBeUndefined();

    const removeError = await user.remove("never-written").catch((e: unknown) => e);
    expect(removeError).toBeInstanceOf(ZitadelError);
    const removeFailure = removeError as ZitadelError;
    expect({ code: removeFailure.code, id: removeFailure.id, rawMessage: removeFailure.rawMessage, notFound: isMetadataNotFound(removeFailure) }).toEqual({
      code: Code.NotFound,
      id: "META-ncnw3",
      rawMessage: "Metadata not found (META-ncnw3)",
      notFound: true,
    });

    // Another NotFound (no membership) is no missing key: get() throws it, by the id alone.
    const membership = await client()
      .user(noMembershipUserId)
      .get("k")
      .catch((e: unknown) => e);
    expect(membership).toBeInstanceOf(ZitadelError);
    expect({ code: (membership as ZitadelError).code, id: (membership as ZitadelError).id, denied: isPermissionDenied(membership) }).toEqual({
      code: Code.NotFound,
      id: "AUTHZ-cdgFk",
      denied: true,
    });

    const unknownUser = await client()
      .user(otherOrgUserId)
      .set("k", "v")
      .catch((e: unknown) => e);
    expect({ id: (unknownUser as ZitadelError).id, code: (unknownUser as ZitadelError).code, userNotFound: isUserNotFound(unknownUser) }).toEqual({
      id: "COMMAND-uXHNj",
      code: Code.FailedPrecondition,
      userNotFound: true,
    });

    const badToken = await client("wrong-token")
      .user(userId)
      .get("k")
      .catch((e: unknown) => e);
    expect({ id: (badToken as ZitadelError).id, code: (badToken as ZitadelError).code, unauthenticated: isUnauthenticated(badToken) }).toEqual({
      id: "AUTH-7fs1e",
      code: Code.Unauthenticated,
      unauthenticated: true,
    });
  });
});

describe("our v2 client on the grpc-js server: UserService, OrganizationService v2 and v2beta over gRPC", () => {
  const token = "grpc-js-v2-token";
  /** The users' organization, which the transport names (x-zitadel-orgid). */
  const usersOrg = "71234567890123456";
  /** The organization the metadata client names (option orgId), and a second one. */
  const orgA = "81234567890123456";
  const orgB = "82234567890123456";
  const unknownOrg = "89999999999999999";
  const userId = "312345678901234567";
  const unknownUserId = "399999999999999999";
  const noMembershipUserId = "388888888888888888";
  const firstWriteSeconds = 1_710_000_000;
  /** The time of the server's n-th write (from 0), as our client's Date: whole milliseconds, so no rounding to argue about. */
  const writeDate = (n: number) => new Date((firstWriteSeconds + n) * 1000 + 250);
  const textValue = "значение 🙂";
  const jsonText = '{"a":[1,"ü"]}';
  let running: GrpcJsMetadataServer | undefined;

  // A fresh server per test: each starts with empty maps and the write clock at 0.
  beforeEach(async () => {
    running = await startGrpcJsMetadataServer(tool, {
      token,
      orgId: usersOrg,
      userIds: [userId],
      noMembershipUserId,
      organizationIds: [orgA, orgB],
      firstSequence: 1n,
      firstWriteAt: { seconds: String(firstWriteSeconds), nanos: 250_000_000 },
      viewTimestamp: { seconds: String(firstWriteSeconds), nanos: 0 },
    });
  });
  afterEach(() => {
    running?.close();
    running = undefined;
  });

  const server = (): GrpcJsMetadataServer => {
    if (!running) throw new Error("the grpc-js server has not started");
    return running;
  };
  const transport = (orgId?: string, auth = token) => createZitadelTransport({ baseUrl: server().url, protocol: "grpc", auth: accessToken(auth), orgId });
  /** Our high-level client on v2, naming orgA for org(); the transport names `transportOrgId`, if any. */
  const v2 = (transportOrgId?: string, auth = token) => createMetadataClient(transport(transportOrgId, auth), { api: "v2", orgId: orgA });
  /** The calls of one service and RPC since call number `since`. */
  const callsOf = (service: string, rpc?: string, since = 0) =>
    server()
      .calls.slice(since)
      .filter((c) => c.service === service && (rpc === undefined || c.rpc === rpc));
  const requestsOf = (service: string, rpc: string, since = 0) => callsOf(service, rpc, since).map((c) => c.request);
  /** The distinct requests, in first-seen order (our client reads a v2 list twice to confirm it). */
  const distinct = <T>(items: readonly T[]): T[] => [...new Map(items.map((r) => [JSON.stringify(r), r])).values()];
  const storedValues = (entries: Map<string, StoredEntry>) => Object.fromEntries([...entries].map(([key, e]) => [key, e.value]));
  /** What a v2 write reports: only its time (v2 sends no sequence and no resource owner). */
  const writtenAt = (n: number) => ({ sequence: undefined, creationDate: undefined, changeDate: writeDate(n), resourceOwner: undefined });

  it("UserService: set, setMany, list, get and a delete of several keys; grpc-js decoded what our client sent, our client what grpc-js encoded", async () => {
    const s = server();
    const user = v2(usersOrg).user(userId);

    expect((await user.set(trickyKey, allBytes)).details).toEqual(writtenAt(0));
    const many = await user.setMany({ text: textValue, reversed: reversedBytes, json: json({ a: [1, "ü"] }) });
    // One Set request for the batch: v2's Set is atomic and has no item limit.
    expect(many).toEqual({ requests: 1, count: 3, details: writtenAt(1) });
    expect(requestsOf(servedServices.userV2, "SetUserMetadata")).toEqual([
      { userId, metadata: [{ key: trickyKey, value: allBytes }] },
      {
        userId,
        metadata: [
          { key: "text", value: Buffer.from(textValue) },
          { key: "reversed", value: reversedBytes },
          { key: "json", value: Buffer.from(jsonText) },
        ],
      },
    ]);
    expect(storedValues(s.stored(userId))).toEqual({
      [trickyKey]: allBytes,
      text: Buffer.from(textValue),
      reversed: reversedBytes,
      json: Buffer.from(jsonText),
    });

    let mark = s.calls.length;
    const listed = await user.list({ pageSize: 3 }).toArray();
    // Our client asks asc: true, and the server orders user rows by creation: the single set first, then the batch in its order.
    expect(listed.map((e) => e.key)).toEqual([trickyKey, "text", "reversed", "json"]);
    expect(valuesByKey(listed)).toEqual({ [trickyKey]: allBytes, text: Buffer.from(textValue), reversed: reversedBytes, json: Buffer.from(jsonText) });
    expect(listed.map((e) => e.details)).toEqual([
      { sequence: undefined, creationDate: writeDate(0), changeDate: writeDate(0), resourceOwner: undefined },
      ...Array(3).fill({ sequence: undefined, creationDate: writeDate(1), changeDate: writeDate(1), resourceOwner: undefined }),
    ]);
    expect(() => listed[0]?.text()).toThrow(/not UTF-8/);
    expect(listed[1]?.text()).toBe(textValue);
    expect(listed[3]?.json()).toEqual({ a: [1, "ü"] });
    // Offset 0 is a zero, not on the wire; no filter is [] (proto-loader's arrays: true); proto3 `optional`
    // pagination is a synthetic oneof, whose case proto-loader names (oneofs: true): it was on the wire.
    expect(distinct(requestsOf(servedServices.userV2, "ListUserMetadata", mark))).toEqual([
      { userId, _pagination: "pagination", pagination: { limit: 3, asc: true }, filters: [] },
      { userId, _pagination: "pagination", pagination: { offset: "3", limit: 3, asc: true }, filters: [] },
    ]);

    // v2 has no Get: get() is a List with one EQUALS key filter (the zero method, so not on the wire) and limit 1.
    mark = s.calls.length;
    expect(Buffer.from((await user.get(trickyKey))?.value ?? [])).toEqual(allBytes);
    expect(await user.get("never-written")).toBeUndefined();
    const prefixed = await user.list({ prefix: "ключ" }).toArray();
    expect(prefixed.map((e) => e.key)).toEqual([trickyKey]);
    expect(requestsOf(servedServices.userV2, "ListUserMetadata", mark)).toEqual([
      { userId, _pagination: "pagination", pagination: { limit: 1, asc: true }, filters: [{ filter: "keyFilter", keyFilter: { key: trickyKey } }] },
      { userId, _pagination: "pagination", pagination: { limit: 1, asc: true }, filters: [{ filter: "keyFilter", keyFilter: { key: "never-written" } }] },
      {
        userId,
        _pagination: "pagination",
        pagination: { limit: 1000, asc: true },
        filters: [{ filter: "keyFilter", keyFilter: { key: "ключ", method: "TEXT_FILTER_METHOD_STARTS_WITH" } }],
      },
    ]);

    // A delete of several keys: one DeleteUserMetadata with all of them.
    expect(await user.removeMany(["text", "reversed", "json"])).toEqual({ requests: 1, count: 3, details: writtenAt(2) });
    expect(requestsOf(servedServices.userV2, "DeleteUserMetadata")).toEqual([{ userId, keys: ["text", "reversed", "json"] }]);
    expect([...s.stored(userId).keys()]).toEqual([trickyKey]);

    // apply() is one atomic Set where a key to delete travels with an empty value: zero bytes, so no value on the wire.
    expect(await user.apply({ set: { plan: "pro" }, remove: [trickyKey] })).toEqual({ requests: 1, atomic: true, set: 1, removed: 1, details: writtenAt(3) });
    expect(requestsOf(servedServices.userV2, "SetUserMetadata").at(-1)).toEqual({
      userId,
      metadata: [{ key: "plan", value: Buffer.from("pro") }, { key: trickyKey }],
    });
    expect(storedValues(s.stored(userId))).toEqual({ plan: Buffer.from("pro") });

    // How v2 picks the organization for a user: it does not; the user is found wherever it is. Our client puts
    // no organization in the request and adds no header for the user scope (not even the client's orgId,
    // which is for org()); the transport's orgId still goes as x-zitadel-orgid, which v2 only checks exists.
    expect(distinct(callsOf(servedServices.userV2).map((c) => ({ authorization: c.authorization, orgId: c.orgId })))).toEqual([
      { authorization: [`Bearer ${token}`], orgId: [usersOrg] },
    ]);
    mark = s.calls.length;
    expect((await v2(undefined).user(userId).get("plan"))?.text()).toBe("pro");
    expect(callsOf(servedServices.userV2, undefined, mark).map((c) => [c.authorization, c.orgId])).toEqual([[[`Bearer ${token}`], []]]);
    // Nothing went to v1 or to another service.
    expect(new Set(s.calls.map((c) => c.service))).toEqual(new Set([servedServices.userV2]));
  });

  it("OrganizationService v2 through org(): the organization goes in the request body (and as the header), the client's, org(id)'s or the call's", async () => {
    const s = server();
    const client = v2(usersOrg);
    const org = client.org();

    expect((await org.set(trickyKey, allBytes)).details).toEqual(writtenAt(0));
    expect(await org.setMany({ tier: "gold", raw: reversedBytes })).toEqual({ requests: 1, count: 2, details: writtenAt(1) });
    expect(requestsOf(servedServices.orgV2, "SetOrganizationMetadata")).toEqual([
      { organizationId: orgA, metadata: [{ key: trickyKey, value: allBytes }] },
      {
        organizationId: orgA,
        metadata: [
          { key: "tier", value: Buffer.from("gold") },
          { key: "raw", value: reversedBytes },
        ],
      },
    ]);
    expect(storedValues(s.storedOrg(orgA))).toEqual({ [trickyKey]: allBytes, tier: Buffer.from("gold"), raw: reversedBytes });

    let mark = s.calls.length;
    const listed = await org.list({ pageSize: 2 }).toArray();
    expect(valuesByKey(listed)).toEqual({ [trickyKey]: allBytes, tier: Buffer.from("gold"), raw: reversedBytes });
    expect(listed.find((e) => e.key === trickyKey)?.details).toEqual({
      sequence: undefined,
      creationDate: writeDate(0),
      changeDate: writeDate(0),
      resourceOwner: undefined,
    });
    expect(distinct(requestsOf(servedServices.orgV2, "ListOrganizationMetadata", mark))).toEqual([
      { organizationId: orgA, _pagination: "pagination", pagination: { limit: 2, asc: true }, filters: [] },
      { organizationId: orgA, _pagination: "pagination", pagination: { offset: "2", limit: 2, asc: true }, filters: [] },
    ]);

    // Another organization: by org(id), and by a call's orgId, which wins over the scope's.
    mark = s.calls.length;
    await client.org(orgB).set("b", "x");
    expect((await org.get("b", { orgId: orgB }))?.text()).toBe("x");
    expect(await org.get("b")).toBeUndefined();
    expect(callsOf(servedServices.orgV2, undefined, mark).map((c) => ({ rpc: c.rpc, organizationId: c.request.organizationId, orgId: c.orgId }))).toEqual([
      { rpc: "SetOrganizationMetadata", organizationId: orgB, orgId: [orgB] },
      { rpc: "ListOrganizationMetadata", organizationId: orgB, orgId: [orgB] },
      { rpc: "ListOrganizationMetadata", organizationId: orgA, orgId: [orgA] },
    ]);
    expect(storedValues(s.storedOrg(orgB))).toEqual({ b: Buffer.from("x") });

    expect(await org.removeMany([trickyKey, "tier", "raw"])).toEqual({ requests: 1, count: 3, details: writtenAt(3) });
    expect(requestsOf(servedServices.orgV2, "DeleteOrganizationMetadata")).toEqual([{ organizationId: orgA, keys: [trickyKey, "tier", "raw"] }]);
    expect(s.storedOrg(orgA).size).toBe(0);

    // How v2 picks the organization for org(): the body's organization_id. Our client sends the same id as
    // x-zitadel-orgid too (the scope's organization, not the transport's), which v2 only checks exists.
    const orgCalls = callsOf(servedServices.orgV2);
    expect(orgCalls.every((c) => c.authorization.length === 1 && c.authorization[0] === `Bearer ${token}`)).toBe(true);
    expect(orgCalls.filter((c) => c.orgId.length !== 1 || c.orgId[0] !== c.request.organizationId)).toEqual([]);
    expect(orgCalls.some((c) => c.orgId.includes(usersOrg))).toBe(false);
    expect(new Set(s.calls.map((c) => c.service))).toEqual(new Set([servedServices.orgV2]));
  });

  it("OrganizationService v2beta through our generated client: set, a filtered list, a delete of several keys; one store with v2", async () => {
    const s = server();
    const beta = createOrganizationServiceV2betaClient(transport(usersOrg));

    const set = await beta.setOrganizationMetadata({
      organizationId: orgB,
      metadata: [
        { key: trickyKey, value: allBytes },
        { key: "beta", value: reversedBytes },
      ],
    });
    expect({ seconds: set.setDate?.seconds, nanos: set.setDate?.nanos }).toEqual({ seconds: BigInt(firstWriteSeconds), nanos: 250_000_000 });
    expect(storedValues(s.storedOrg(orgB))).toEqual({ [trickyKey]: allBytes, beta: reversedBytes });

    const filtered = await beta.listOrganizationMetadata({
      organizationId: orgB,
      pagination: { limit: 10 },
      filter: [{ query: { case: "keyQuery", value: { key: "КЛЮЧ", method: TextQueryMethodV2beta.STARTS_WITH_IGNORE_CASE } } }],
    });
    expect({ totalResult: filtered.pagination?.totalResult, appliedLimit: filtered.pagination?.appliedLimit }).toEqual({ totalResult: 1n, appliedLimit: 10n });
    expect(
      filtered.metadata.map((m) => ({ key: m.key, value: Buffer.from(m.value), created: m.creationDate?.seconds, changed: m.changeDate?.seconds })),
    ).toEqual([{ key: trickyKey, value: allBytes, created: BigInt(firstWriteSeconds), changed: BigInt(firstWriteSeconds) }]);
    // Org lists report the requested limit as it came: 0 when absent, so not on the wire.
    const all = await beta.listOrganizationMetadata({ organizationId: orgB });
    expect({ totalResult: all.pagination?.totalResult, appliedLimit: all.pagination?.appliedLimit }).toEqual({ totalResult: 2n, appliedLimit: 0n });
    expect(valuesByKey(all.metadata)).toEqual({ [trickyKey]: allBytes, beta: reversedBytes });
    expect(requestsOf(servedServices.orgV2beta, "ListOrganizationMetadata")).toEqual([
      {
        organizationId: orgB,
        _pagination: "pagination",
        pagination: { limit: 10 },
        // v2beta's field is `filter`, of MetadataQuery with oneof `query`, and object.v2beta's TEXT_QUERY_METHOD_*.
        filter: [{ query: "keyQuery", keyQuery: { key: "КЛЮЧ", method: "TEXT_QUERY_METHOD_STARTS_WITH_IGNORE_CASE" } }],
      },
      { organizationId: orgB, filter: [] },
    ]);

    // One store for v2 and v2beta, as in ZITADEL: our high-level v2 client reads what v2beta wrote, and the reverse.
    await v2(usersOrg).org(orgB).set("from-v2", "v2");
    expect(valuesByKey(await v2(usersOrg).org(orgB).list().toArray())).toEqual({ [trickyKey]: allBytes, beta: reversedBytes, "from-v2": Buffer.from("v2") });

    const deleted = await beta.deleteOrganizationMetadata({ organizationId: orgB, keys: [trickyKey, "beta", "from-v2"] });
    expect({ seconds: deleted.deletionDate?.seconds, nanos: deleted.deletionDate?.nanos }).toEqual({
      seconds: BigInt(firstWriteSeconds + 2),
      nanos: 250_000_000,
    });
    expect(s.storedOrg(orgB).size).toBe(0);

    const betaCalls = callsOf(servedServices.orgV2beta);
    expect(betaCalls.map((c) => c.request)).toEqual([
      {
        organizationId: orgB,
        metadata: [
          { key: trickyKey, value: allBytes },
          { key: "beta", value: reversedBytes },
        ],
      },
      expect.anything(),
      expect.anything(),
      { organizationId: orgB, keys: [trickyKey, "beta", "from-v2"] },
    ]);
    // The generated client adds no organization of its own: x-zitadel-orgid is the transport's; the body names the target.
    expect(distinct(betaCalls.map((c) => ({ authorization: c.authorization, orgId: c.orgId })))).toEqual([
      { authorization: [`Bearer ${token}`], orgId: [usersOrg] },
    ]);
  });

  /** A failed call, summed up as our client reports it: the ZitadelError's code and id (from the ErrorDetail in grpc-status-details-bin). */
  const failure = async (call: Promise<unknown>) => {
    let error: unknown;
    try {
      await call;
    } catch (e) {
      error = e;
    }
    if (error === undefined) throw new Error("the call should have failed, but it succeeded");
    const z = ZitadelError.from(error);
    const detail = getErrorDetail(z);
    return {
      thrownAsZitadelError: error instanceof ZitadelError,
      code: z.code,
      id: z.id,
      rawMessage: z.rawMessage,
      detail: detail && { id: detail.id, message: detail.message },
      trailer: z.metadata.has("grpc-status-details-bin"),
    };
  };
  const zitadelFailure = (code: Code, id: string, text: string, thrownAsZitadelError = true) => ({
    thrownAsZitadelError,
    code,
    id,
    rawMessage: `${text} (${id})`,
    detail: { id, message: text },
    trailer: true,
  });

  it("errors: the google.rpc.Status with a zitadel.v1.ErrorDetail the grpc-js server puts in grpc-status-details-bin is our client's ZitadelError", async () => {
    const s = server();
    const user = v2(usersOrg).user(userId);
    await user.setMany({ keep: "1", also: "2" });

    // A delete of several keys, one missing: NotFound META-2nnds, and nothing is deleted.
    let mark = s.calls.length;
    const missingKey = user.removeMany(["keep", "never-written", "also"]);
    expect(await failure(missingKey)).toEqual(zitadelFailure(Code.NotFound, "META-2nnds", "One or more keys do not exist"));
    expect(await missingKey.catch(isMetadataNotFound)).toBe(true);
    expect(requestsOf(servedServices.userV2, "DeleteUserMetadata", mark)).toEqual([{ userId, keys: ["keep", "never-written", "also"] }]);
    expect([...s.stored(userId).keys()]).toEqual(["keep", "also"]);

    // The same for an organization, v2 and v2beta: META-2npds.
    await v2(usersOrg).org().set("keep", "1");
    const orgMissing = v2(usersOrg).org().removeMany(["keep", "never-written"]);
    expect(await failure(orgMissing)).toEqual(zitadelFailure(Code.NotFound, "META-2npds", "One or more keys do not exist"));
    expect(await orgMissing.catch(isMetadataNotFound)).toBe(true);
    expect([...s.storedOrg(orgA).keys()]).toEqual(["keep"]);
    const beta = createOrganizationServiceV2betaClient(transport(usersOrg));
    expect(await failure(beta.deleteOrganizationMetadata({ organizationId: orgA, keys: ["never-written"] }))).toEqual(
      zitadelFailure(Code.NotFound, "META-2npds", "One or more keys do not exist", false),
    );

    // Writes to a user or an organization the server does not have.
    const unknownUser = v2(usersOrg).user(unknownUserId).set("k", "v");
    expect(await failure(unknownUser)).toEqual(zitadelFailure(Code.FailedPrecondition, "COMMAND-uXHNj", "User could not be found"));
    expect(await unknownUser.catch(isUserNotFound)).toBe(true);
    const unknownOrgWrite = v2(usersOrg).org(unknownOrg).set("k", "v");
    expect(await failure(unknownOrgWrite)).toEqual(zitadelFailure(Code.NotFound, "AUTHZ-cdgFk", "membership not found"));
    expect(await unknownOrgWrite.catch(isPermissionDenied)).toBe(true);
    // No membership for a user: a list fails too; an unknown user lists as empty (v2 hides, it does not fail), so get() is undefined.
    expect(await failure(v2(usersOrg).user(noMembershipUserId).list().toArray())).toEqual(zitadelFailure(Code.NotFound, "AUTHZ-cdgFk", "membership not found"));
    expect(await v2(usersOrg).user(unknownUserId).get("k")).toBeUndefined();

    // A token the server does not take.
    mark = s.calls.length;
    const badToken = v2(usersOrg, "wrong-token").user(userId).get("keep");
    expect(await failure(badToken)).toEqual(zitadelFailure(Code.Unauthenticated, "AUTH-7fs1e", "Errors.Token.Invalid"));
    expect(await badToken.catch(isUnauthenticated)).toBe(true);
    expect(callsOf(servedServices.userV2, undefined, mark).map((c) => c.authorization)).toEqual([["Bearer wrong-token"]]);
  });
});

// ---- proto3 JSON across toolchains ----

/**
 * protobufjs' toObject() options that come closest to proto3 JSON: 64-bit
 * integers as decimal strings, bytes as standard base64, enums by name, and
 * json: true (NaN and Infinity as strings). Fields that were not on the wire
 * are left out, as proto3 JSON leaves out zero values.
 */
const protobufjsJsonOptions: protobuf.IConversionOptions = { longs: String, bytes: String, enums: String, json: true };

interface JsonCase {
  schema: DescMessage;
  /** The message built with protobuf-es. */
  es: ReturnType<typeof create>;
  /** The same message as a protobufjs user writes it for fromObject(): longs as strings, Timestamps as { seconds, nanos }. */
  protobufjs: Record<string, unknown>;
  /** Whether it has a google.protobuf.Timestamp, the one type whose JSON protobufjs writes differently. */
  hasTimestamps: boolean;
}

function jsonCase<Desc extends DescMessage>(schema: Desc, init: MessageInitShape<Desc>, protobufjs: Record<string, unknown>, hasTimestamps: boolean): JsonCase {
  return { schema, es: create(schema, init), protobufjs, hasTimestamps };
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const tricky = {
  es: {
    details: {
      sequence: bigSequence,
      creationDate: { seconds: 1_700_000_000n, nanos: 123_456_789 },
      // 0001-01-01T00:00:00.000000001Z, proto3 JSON's earliest instant, plus a nanosecond.
      changeDate: { seconds: -62_135_596_800n, nanos: 1 },
      resourceOwner: "org-🏢",
    },
    key: trickyKey,
    value: allBytes,
  },
  protobufjs: {
    details: {
      sequence: bigSequence.toString(),
      creationDate: { seconds: "1700000000", nanos: 123_456_789 },
      changeDate: { seconds: "-62135596800", nanos: 1 },
      resourceOwner: "org-🏢",
    },
    key: trickyKey,
    value: allBytes,
  },
};

const jsonCases: [string, JsonCase][] = [
  ["zitadel.metadata.v1.Metadata", jsonCase(MetadataSchema, tricky.es, tricky.protobufjs, true)],
  [
    "zitadel.management.v1.SetUserMetadataRequest",
    jsonCase(
      SetUserMetadataRequestSchema,
      { id: "312345678901234567", key: trickyKey, value: allBytes },
      { id: "312345678901234567", key: trickyKey, value: allBytes },
      false,
    ),
  ],
  [
    "zitadel.management.v1.ListUserMetadataResponse",
    jsonCase(
      ListUserMetadataResponseSchema,
      {
        details: { totalResult: maxUint64, processedSequence: bigSequence, viewTimestamp: { seconds: 253_402_300_799n, nanos: 999_999_999 } },
        result: [tricky.es, { key: "z", value: new Uint8Array([0]), details: { sequence: 1n } }],
      },
      {
        details: {
          totalResult: maxUint64.toString(),
          processedSequence: bigSequence.toString(),
          viewTimestamp: { seconds: "253402300799", nanos: 999_999_999 },
        },
        result: [tricky.protobufjs, { key: "z", value: Buffer.from([0]), details: { sequence: "1" } }],
      },
      true,
    ),
  ],
  [
    "zitadel.management.v1.ListUserMetadataRequest",
    jsonCase(
      ListUserMetadataRequestSchema,
      {
        id: "312345678901234567",
        query: { offset: bigSequence, limit: 0xffff_ffff, asc: true },
        queries: [
          { query: { case: "keyQuery", value: { key: "КЛЮЧ-🔑", method: TextQueryMethod.ENDS_WITH_IGNORE_CASE } } },
          { query: { case: "keyQuery", value: { key: "x", method: TextQueryMethod.CONTAINS } } },
          // EQUALS is the zero value: set, but not on the wire nor in the JSON.
          { query: { case: "keyQuery", value: { key: "y", method: TextQueryMethod.EQUALS } } },
        ],
      },
      {
        id: "312345678901234567",
        query: { offset: bigSequence.toString(), limit: 0xffff_ffff, asc: true },
        queries: [
          { keyQuery: { key: "КЛЮЧ-🔑", method: "TEXT_QUERY_METHOD_ENDS_WITH_IGNORE_CASE" } },
          { keyQuery: { key: "x", method: "TEXT_QUERY_METHOD_CONTAINS" } },
          { keyQuery: { key: "y" } },
        ],
      },
      false,
    ),
  ],
];

describe("proto3 JSON across toolchains: protobuf-es (our gen/) and protobufjs (the packed files), byte for byte", () => {
  const typeOf = (c: JsonCase) => tool.root.lookupType(c.schema.typeName);

  for (const [name, c] of jsonCases) {
    describe(name, () => {
      it("both toolchains encode the message to the same bytes", () => {
        const type = typeOf(c);
        expect(hex(type.encode(type.fromObject(c.protobufjs)).finish())).toBe(hex(toBinary(c.schema, c.es)));
      });

      it("protobuf-es' JSON, read by protobufjs, encodes to protobuf-es' bytes", () => {
        const type = typeOf(c);
        const esJson = JSON.parse(toJsonString(c.schema, c.es));
        if (c.hasTimestamps) {
          // protobufjs' deviation: it refuses proto3 JSON's RFC 3339 Timestamp and wants { seconds, nanos }.
          expect(() => type.fromObject(esJson)).toThrow(/\.(creationDate|changeDate|viewTimestamp): object expected/);
        }
        const read = type.fromObject(timestampsForProtobufjs(type, esJson));
        expect(hex(type.encode(read).finish())).toBe(hex(toBinary(c.schema, c.es)));
      });

      it("protobufjs' JSON, read by protobuf-es, encodes to protobufjs' bytes", () => {
        const type = typeOf(c);
        const message = type.fromObject(c.protobufjs);
        const pjsJson = JSON.stringify(type.toObject(message, protobufjsJsonOptions));
        if (c.hasTimestamps) {
          // The same deviation the other way: protobuf-es, like every proto3 JSON reader, wants the RFC 3339 string.
          expect(() => fromJsonString(c.schema, pjsJson)).toThrow(/google\.protobuf\.Timestamp/);
        }
        const read = fromJson(c.schema, timestampsForProto3(type, JSON.parse(pjsJson)) as never);
        expect(hex(toBinary(c.schema, read))).toBe(hex(type.encode(message).finish()));
      });

      it(c.hasTimestamps ? "the two JSON texts differ in the Timestamps only" : "the two JSON texts are the same JSON", () => {
        const type = typeOf(c);
        const esJson = JSON.parse(toJsonString(c.schema, c.es));
        const pjsJson = JSON.parse(JSON.stringify(type.toObject(type.fromObject(c.protobufjs), protobufjsJsonOptions)));
        expect(timestampsForProto3(type, pjsJson)).toEqual(esJson);
        if (c.hasTimestamps) expect(pjsJson).not.toEqual(esJson);
        else expect(pjsJson).toEqual(esJson);
      });
    });
  }

  it("protobufjs writes a zero it was given explicitly, protobuf-es (like protoc) never does: same message, other bytes", () => {
    const type = tool.root.lookupType("zitadel.management.v1.ListUserMetadataRequest");
    const explicitZeros = type.fromObject({
      id: "u",
      query: { offset: "0", limit: 0, asc: false },
      queries: [{ keyQuery: { key: "k", method: "TEXT_QUERY_METHOD_EQUALS" } }],
    });
    const es = create(ListUserMetadataRequestSchema, { id: "u", query: {}, queries: [{ query: { case: "keyQuery", value: { key: "k" } } }] });
    const pjsBytes = type.encode(explicitZeros).finish();
    expect(pjsBytes.length).toBeGreaterThan(toBinary(ListUserMetadataRequestSchema, es).length);
    // The same message all the same, and the same JSON once protobuf-es has read it.
    expect(equals(ListUserMetadataRequestSchema, fromBinary(ListUserMetadataRequestSchema, pjsBytes), es)).toBe(true);
    const pjsJson = JSON.stringify(type.toObject(explicitZeros, protobufjsJsonOptions));
    expect(toJsonString(ListUserMetadataRequestSchema, fromJsonString(ListUserMetadataRequestSchema, pjsJson))).toBe(
      toJsonString(ListUserMetadataRequestSchema, es),
    );
  });
});
