// A foreign toolchain against the emulator: Python code generated from proto/
// by Debian's protoc and grpc_python_plugin, run by Debian's python3 with
// Debian's grpcio and protobuf (scripts/ensure-python-toolchain.ts installs
// them). test/fixtures/python/metadata_client.py calls every metadata RPC over
// gRPC, decodes an ErrorDetail from grpc-status-details-bin, drives the REST
// gateway with urllib and json_format, and trades protobuf JSON with
// protobuf-es. This spec compares all of it with what our TypeScript client and
// protobuf-es see: the same stored values, the same errors, the same bytes.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { DescMessage, DescService, JsonWriteOptions, MessageShape } from "@bufbuild/protobuf";
import { create, createRegistry, equals, fromJsonString, toBinary, toJsonString } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusSchema, file_google_rpc_status } from "../gen/google/rpc/status_pb.js";
import { AuthService, file_zitadel_auth } from "../gen/zitadel/auth_pb.js";
import { file_zitadel_filter_v2_filter } from "../gen/zitadel/filter/v2/filter_pb.js";
import { file_zitadel_filter_v2beta_filter } from "../gen/zitadel/filter/v2beta/filter_pb.js";
import {
  BulkSetUserMetadataRequestSchema,
  GetUserMetadataResponseSchema,
  ListUserMetadataRequestSchema,
  ListUserMetadataResponseSchema,
  ManagementService,
  SetUserMetadataRequestSchema,
  file_zitadel_management,
} from "../gen/zitadel/management_pb.js";
import { ErrorDetailSchema, file_zitadel_message } from "../gen/zitadel/message_pb.js";
import { file_zitadel_metadata_v2_metadata } from "../gen/zitadel/metadata/v2/metadata_pb.js";
import { file_zitadel_metadata_v2beta_metadata } from "../gen/zitadel/metadata/v2beta/metadata_pb.js";
import { MetadataSchema, file_zitadel_metadata } from "../gen/zitadel/metadata_pb.js";
import { TextQueryMethod, file_zitadel_object } from "../gen/zitadel/object_pb.js";
import { TextFilterMethod } from "../gen/zitadel/filter/v2/filter_pb.js";
import { OrganizationService as OrganizationServiceV2, file_zitadel_org_v2_org_service } from "../gen/zitadel/org/v2/org_service_pb.js";
import {
  ListOrganizationMetadataRequestSchema as ListOrganizationMetadataRequestV2betaSchema,
  OrganizationService as OrganizationServiceV2beta,
  file_zitadel_org_v2beta_org_service,
} from "../gen/zitadel/org/v2beta/org_service_pb.js";
import { TextQueryMethod as TextQueryMethodV2beta } from "../gen/zitadel/object/v2beta/object_pb.js";
import {
  ListUserMetadataRequestSchema as ListUserMetadataRequestV2Schema,
  ListUserMetadataResponseSchema as ListUserMetadataResponseV2Schema,
  SetUserMetadataRequestSchema as SetUserMetadataRequestV2Schema,
  UserService as UserServiceV2,
  file_zitadel_user_v2_user_service,
} from "../gen/zitadel/user/v2/user_service_pb.js";
import { isExecutableFile } from "../scripts/executables.js";
import { debianPythonToolchain } from "../scripts/python-toolchain-plan.js";
import {
  createAuthClient,
  createManagementClient,
  createOrganizationServiceV2betaClient,
  createOrganizationServiceV2Client,
  createUserServiceV2Client,
  createZitadelTransport,
  getErrorDetail,
} from "../src/index.js";
import { expectBytes } from "./support/protocols.js";
import { useEmulator } from "./support/emulator.js";
import { root, zmetaCli } from "./support/zmeta.js";

/** Every file protobuf-es knows, to look types up by the full names Python reports. */
const registry = createRegistry(
  file_google_rpc_status,
  file_zitadel_auth,
  file_zitadel_filter_v2_filter,
  file_zitadel_filter_v2beta_filter,
  file_zitadel_management,
  file_zitadel_message,
  file_zitadel_metadata,
  file_zitadel_metadata_v2_metadata,
  file_zitadel_metadata_v2beta_metadata,
  file_zitadel_object,
  file_zitadel_org_v2_org_service,
  file_zitadel_org_v2beta_org_service,
  file_zitadel_user_v2_user_service,
);

/** The services the emulator serves metadata RPCs on, each declaring only those. */
const services: readonly DescService[] = [ManagementService, AuthService, UserServiceV2, OrganizationServiceV2, OrganizationServiceV2beta];

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
/** What TypeScript writes for Python to read: every byte backwards, under a key beyond ASCII. */
const tsKey = "ts.ключ-🔑 written";
const tsValue = allBytes.slice().reverse();

interface RecordedCall {
  rpc: string;
  request: string;
  response: string;
}
interface RecordedError {
  rpc: string;
  code: string;
  message: string;
  status: string;
  detail: { id: string; message: string };
}
interface RecordedRest {
  method: string;
  path: string;
  status: number;
  request: string | null;
  response: string;
}
interface PythonJson {
  type: string;
  json: { default: string; utf8: string; protoNamesEnumNumbers: string };
  binary: string;
}
interface Report {
  versions: { grpc: string; protobuf: string };
  tsKey: { grpc: string; rest: string };
  grpcCalls: RecordedCall[];
  grpcErrors: RecordedError[];
  final: Record<"userV1" | "orgV1" | "myV1" | "userV2" | "orgV2" | "orgV2beta", string>;
  rest: { calls: RecordedRest[]; error: { code: number; detail: { id: string; message: string } } };
  pythonJson: PythonJson[];
  esJsonRead: { type: string; binary: string; json: string }[];
}

const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, "base64"));

function schemaOf(typeName: string): DescMessage {
  const schema = registry.getMessage(typeName);
  if (!schema) throw new Error(`protobuf-es knows no message ${typeName}`);
  return schema;
}

function methodOf(rpc: string) {
  const [, serviceName, methodName] = rpc.split("/");
  const method = services.find((s) => s.typeName === serviceName)?.methods.find((m) => m.name === methodName);
  if (!method) throw new Error(`no such RPC: ${rpc}`);
  return method;
}

/**
 * Asserts that the list Python read (its json_format JSON) and the one our
 * client read are the same message: details or pagination, and every row with
 * its dates, sequence, key and value. Rows are compared sorted by key, as v1
 * lists promise no order.
 */
function expectSameList<S extends DescMessage>(schema: S, pythonJson: string, ours: MessageShape<S>, rowsOf: (m: MessageShape<S>) => { key: string }[]): void {
  const theirs = fromJsonString(schema, pythonJson);
  const sortByKey = (m: MessageShape<S>) => rowsOf(m).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  expect(
    sortByKey(theirs).map((r) => r.key),
    schema.typeName,
  ).toEqual(sortByKey(ours).map((r) => r.key));
  expect(equals(schema, theirs, ours), schema.typeName).toBe(true);
}

/** The messages protobuf-es writes for Python to read, as tricky as Python's own. */
function esMessages(): MessageShape<DescMessage>[] {
  const seconds = (n: bigint, nanos = 0) => ({ seconds: n, nanos });
  const metadata = create(MetadataSchema, {
    details: { sequence: 2n ** 53n + 1n, creationDate: seconds(-62135596800n), changeDate: seconds(253402300799n, 999999999), resourceOwner: "ресурс-🏢" },
    key: "es.ключ-🔑",
    value: tsValue,
  });
  return [
    metadata,
    create(ListUserMetadataResponseSchema, {
      details: { totalResult: 2n ** 64n - 1n, processedSequence: 2n ** 53n + 3n, viewTimestamp: seconds(1700000000n, 1000) },
      result: [metadata, { key: "\u0000\u001f\u2028\u2029", value: new Uint8Array(0), details: { sequence: 1n } }],
    }),
    create(SetUserMetadataRequestSchema, { id: "234567890123456789", key: "😀 Ключ", value: allBytes }),
    create(BulkSetUserMetadataRequestSchema, { id: "u", metadata: [{ key: "a", value: allBytes }, { key: "b" }] }),
    create(ListUserMetadataRequestSchema, {
      id: 'id "with" \\ and \t',
      query: { offset: 2n ** 63n + 1n, limit: 4294967295, asc: true },
      queries: [
        { query: { case: "keyQuery", value: { key: "ß", method: TextQueryMethod.CONTAINS_IGNORE_CASE } } },
        { query: { case: "keyQuery", value: { key: "", method: TextQueryMethod.EQUALS } } },
      ],
    }),
    create(SetUserMetadataRequestV2Schema, { userId: "u", metadata: [{ key: "es.🔑", value: allBytes }] }),
    create(ListUserMetadataRequestV2Schema, {
      userId: "u",
      pagination: {},
      filters: [{ filter: { case: "keyFilter", value: { key: "k", method: TextFilterMethod.ENDS_WITH_IGNORE_CASE } } }],
    }),
    create(ListUserMetadataResponseV2Schema, {
      pagination: { totalResult: 2n ** 60n, appliedLimit: 1000n },
      metadata: [{ creationDate: seconds(0n, 1), changeDate: seconds(1n, 100_000_000), key: "es.ключ", value: tsValue }],
    }),
    create(ListOrganizationMetadataRequestV2betaSchema, {
      organizationId: "o",
      filter: [{ query: { case: "keyQuery", value: { key: "k", method: TextQueryMethodV2beta.ENDS_WITH } } }],
    }),
  ];
}

/** How protobuf-es writes each message for Python: its default, and proto names with enum numbers. */
const esWritings: readonly Partial<JsonWriteOptions>[] = [{}, { useProtoFieldName: true, enumAsInteger: true }];

describe("a Python client generated by Debian's protoc and grpc_python_plugin", () => {
  const emulator = useEmulator();
  const cli = zmetaCli();
  let dir: string;
  let report: Report;
  let sent: { message: MessageShape<DescMessage>; json: string }[];
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    const missing = Object.values(debianPythonToolchain).filter((path) => !isExecutableFile(path));
    if (missing.length > 0)
      throw new Error(`${missing.join(", ")} missing: run \`npm run check:python\` (npm test runs it first) to install Debian's packages.`);
    const e = emulator();
    dir = await mkdtemp(join(tmpdir(), "zmeta-python-"));
    const protos = (await readdir(join(root, "proto"), { recursive: true })).filter((f) => f.endsWith(".proto")).sort();
    // One protoc run for every file the emulator's services need, with the plugin Debian installs.
    const generated = await cli.run(debianPythonToolchain.protoc, [
      "-I",
      "proto",
      `--python_out=${dir}`,
      `--grpc_python_out=${dir}`,
      `--plugin=protoc-gen-grpc_python=${debianPythonToolchain.grpcPythonPlugin}`,
      ...protos,
    ]);
    timings.protocMs = generated.ms;
    if (generated.code !== 0) throw new Error(`protoc failed (${generated.code}): ${generated.stderr}`);

    const admin = e.user("acme-admin");
    await ourClients().mgmt.setUserMetadata({ id: e.user("alice").id, key: tsKey, value: tsValue });

    sent = esMessages().flatMap((message) => esWritings.map((options) => ({ message, json: toJsonString(schemaOf(message.$typeName), message, options) })));
    const ran = await cli.run(debianPythonToolchain.python, ["-I", join(root, "test", "fixtures", "python", "metadata_client.py"), dir], {
      env: {
        ZMETA_GRPC_TARGET: new URL(e.url).host,
        ZMETA_REST_URL: e.url,
        ZMETA_PAT: admin.token,
        ZMETA_ORG_ID: admin.orgId,
        ZMETA_USER_ID: e.user("alice").id,
        ZMETA_SELF_ID: admin.id,
      },
      stdin: JSON.stringify({ tsKey, esMessages: sent.map(({ message, json }) => ({ type: message.$typeName, json })) }),
      timeoutMs: 120_000,
    });
    timings.pythonMs = ran.ms;
    // The token is a secret: the client must not print it, whatever happens.
    expect(ran.out + ran.stderr).not.toContain(admin.token);
    if (ran.code !== 0) throw new Error(`the Python client failed (${ran.code}):\n${ran.stderr}`);
    report = JSON.parse(ran.out) as Report;
    console.log(
      `foreign-python: protoc ${Math.round(timings.protocMs)} ms, python ${Math.round(timings.pythonMs)} ms (grpcio ${report.versions.grpc}, protobuf ${report.versions.protobuf})`,
    );
  }, 180_000);

  afterAll(async () => {
    cli.killRunning();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Clients of our own as the same caller, over gRPC, with the same org header. */
  function ourClients() {
    const e = emulator();
    const admin = e.user("acme-admin");
    const transport = createZitadelTransport({ baseUrl: e.url, protocol: "grpc", auth: admin.token, orgId: admin.orgId });
    return {
      mgmt: createManagementClient(transport),
      auth: createAuthClient(transport),
      users: createUserServiceV2Client(transport),
      orgsV2: createOrganizationServiceV2Client(transport),
      orgsV2beta: createOrganizationServiceV2betaClient(transport),
    };
  }

  it("generated code for every proto file in one protoc run, and Python called every metadata RPC of the five services over gRPC", async () => {
    const generatedFiles = (await readdir(dir, { recursive: true })).map((f) => relative(dir, join(dir, f)));
    expect(generatedFiles).toEqual(
      expect.arrayContaining(["zitadel/management_pb2_grpc.py", "zitadel/user/v2/user_service_pb2_grpc.py", "google/rpc/status_pb2.py"]),
    );
    const every = services.flatMap((s) => s.methods.map((m) => `/${s.typeName}/${m.name}`));
    expect(every).toHaveLength(14 + 9);
    expect([...new Set(report.grpcCalls.map((c) => c.rpc))].sort()).toEqual([...every].sort());
  });

  it("every request and response Python's json_format wrote reads in protobuf-es and writes back as the same JSON", () => {
    for (const call of report.grpcCalls) {
      const method = methodOf(call.rpc);
      for (const [schema, text] of [
        [method.input, call.request],
        [method.output, call.response],
      ] as const) {
        const message = fromJsonString(schema, text, { registry });
        expect(JSON.parse(toJsonString(schema, message, { registry })), `${call.rpc} ${schema.typeName}`).toEqual(JSON.parse(text));
      }
    }
  });

  it("Python read over gRPC and REST exactly what our client wrote", async () => {
    const { mgmt } = ourClients();
    const ours = await mgmt.getUserMetadata({ id: emulator().user("alice").id, key: tsKey });
    expectBytes(ours.metadata?.value, tsValue);
    for (const text of [report.tsKey.grpc, report.tsKey.rest]) {
      const theirs = fromJsonString(GetUserMetadataResponseSchema, text);
      expect(theirs.metadata?.key).toBe(tsKey);
      expectBytes(theirs.metadata?.value, tsValue);
      expect(equals(GetUserMetadataResponseSchema, theirs, ours)).toBe(true);
    }
  });

  it("our client lists exactly what Python left, v1 and v2, values byte for byte", async () => {
    const { mgmt, auth, users, orgsV2, orgsV2beta } = ourClients();
    const e = emulator();
    const alice = e.user("alice").id;
    const orgId = e.user("acme-admin").orgId;
    const ours = {
      userV1: await mgmt.listUserMetadata({ id: alice }),
      orgV1: await mgmt.listOrgMetadata({}),
      myV1: await auth.listMyMetadata({}),
      userV2: await users.listUserMetadata({ userId: alice }),
      orgV2: await orgsV2.listOrganizationMetadata({ organizationId: orgId }),
      orgV2beta: await orgsV2beta.listOrganizationMetadata({ organizationId: orgId }),
    };
    const final = report.final;
    expectSameList(ManagementService.method.listUserMetadata.output, final.userV1, ours.userV1, (m) => m.result);
    expectSameList(ManagementService.method.listOrgMetadata.output, final.orgV1, ours.orgV1, (m) => m.result);
    expectSameList(AuthService.method.listMyMetadata.output, final.myV1, ours.myV1, (m) => m.result);
    expectSameList(UserServiceV2.method.listUserMetadata.output, final.userV2, ours.userV2, (m) => m.metadata);
    expectSameList(OrganizationServiceV2.method.listOrganizationMetadata.output, final.orgV2, ours.orgV2, (m) => m.metadata);
    expectSameList(OrganizationServiceV2beta.method.listOrganizationMetadata.output, final.orgV2beta, ours.orgV2beta, (m) => m.metadata);
    // What Python wrote survives as written: every byte, under keys beyond ASCII (REST's with the characters a path escapes).
    const userRows = new Map(ours.userV1.result.map((m) => [m.key, m.value]));
    for (const key of ["py.ключ-🔑", "py.rest ключ 🔑 100% ?#&+=", "py.v2.ключ-🔑"]) expectBytes(userRows.get(key), allBytes);
    expectBytes(new Map(ours.orgV1.result.map((m) => [m.key, m.value])).get("py.ключ-🔑"), allBytes);
    expectBytes(new Map(ours.myV1.result.map((m) => [m.key, m.value])).get("py.self.🔑"), allBytes);
    expect(ours.userV1.result.map((m) => m.key)).not.toContain("py.bulk.a");
  });

  it("Python decoded a missing key's NotFound: google.rpc.Status from grpc-status-details-bin, zitadel.v1.ErrorDetail inside, as our client sees it", async () => {
    const { mgmt } = ourClients();
    const alice = emulator().user("alice").id;
    const ours = [mgmt.getUserMetadata({ id: alice, key: "py.never-written" }), mgmt.getOrgMetadata({ key: "py.never-written" })];
    expect(report.grpcErrors.map((r) => [r.rpc, r.code, r.detail.id])).toEqual([
      ["/zitadel.management.v1.ManagementService/GetUserMetadata", "NOT_FOUND", "QUERY-Rgh32"],
      ["/zitadel.management.v1.ManagementService/GetOrgMetadata", "NOT_FOUND", "QUERY-Rph32"],
    ]);
    for (const [i, call] of ours.entries()) {
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConnectError);
      const theirs = report.grpcErrors[i]!;
      expect(theirs.message).toBe((error as ConnectError).rawMessage);
      expect(theirs.detail).toEqual({ id: getErrorDetail(error)?.id, message: getErrorDetail(error)?.message });
      // The whole Status as Python's json_format wrote it reads in protobuf-es, Any and all.
      const status = fromJsonString(StatusSchema, theirs.status, { registry });
      expect(status.code).toBe((error as ConnectError).code);
      const unpacked = anyUnpack(status.details[0]!, ErrorDetailSchema);
      expect(unpacked && { id: unpacked.id, message: unpacked.message }).toEqual(theirs.detail);
    }
  });

  it("Python drove the REST gateway with json_format bodies: Set, Get, _bulk, _search, Remove, and a NotFound's ErrorDetail", async () => {
    const alice = emulator().user("alice").id;
    const restKey = "py.rest ключ 🔑 100% ?#&+=";
    const keyPath = `/management/v1/users/${alice}/metadata/${encodeURIComponent(restKey)}`;
    expect(report.rest.calls.map((c) => [c.method, c.path, c.status])).toEqual([
      ["POST", keyPath, 200],
      ["GET", keyPath, 200],
      ["POST", `/management/v1/users/${alice}/metadata/_bulk`, 200],
      ["POST", `/management/v1/users/${alice}/metadata/_search`, 200],
      ["DELETE", `/management/v1/users/${alice}/metadata/py.rest.bulk.a`, 200],
      ["GET", `/management/v1/users/${alice}/metadata/py.rest.bulk.a`, 404],
      ["GET", `/management/v1/users/${alice}/metadata/${encodeURIComponent(tsKey)}`, 200],
    ]);
    // The body Python built from the generated message carries the bytes as standard base64.
    const setBody = fromJsonString(SetUserMetadataRequestSchema, report.rest.calls[0]!.request!);
    expectBytes(setBody.value, allBytes);
    expect(setBody.key).toBe(restKey);
    const { mgmt } = ourClients();
    const ours = await mgmt.getUserMetadata({ id: alice, key: restKey });
    expect(equals(GetUserMetadataResponseSchema, fromJsonString(GetUserMetadataResponseSchema, report.rest.calls[1]!.response), ours)).toBe(true);
    expect(report.rest.error).toEqual({ code: 5, detail: { id: "QUERY-Rgh32", message: "Metadata not found" } });
  });

  it("JSON Python's json_format wrote reads in protobuf-es to exactly the bytes Python's SerializeToString gave", () => {
    expect(report.pythonJson.map((m) => m.type)).toEqual([
      "zitadel.metadata.v1.Metadata",
      "zitadel.management.v1.ListUserMetadataResponse",
      "zitadel.management.v1.SetUserMetadataRequest",
      "zitadel.management.v1.ListUserMetadataRequest",
      "zitadel.user.v2.SetUserMetadataRequest",
      "zitadel.user.v2.ListUserMetadataRequest",
      "zitadel.user.v2.ListUserMetadataResponse",
      "zitadel.org.v2beta.ListOrganizationMetadataRequest",
    ]);
    for (const written of report.pythonJson) {
      const schema = schemaOf(written.type);
      for (const [writing, text] of Object.entries(written.json)) {
        const message = fromJsonString(schema, text, { registry });
        expectBytes(toBinary(schema, message), fromBase64(written.binary));
        if (writing === "default") expect(JSON.parse(toJsonString(schema, message)), written.type).toEqual(JSON.parse(text));
      }
    }
    // The content was as hard as meant: every byte, a key beyond the BMP, a sequence past 2^53, nanos, the extreme dates, an enum.
    const metadata = fromJsonString(MetadataSchema, report.pythonJson[0]!.json.default);
    expectBytes(metadata.value, allBytes);
    expect(metadata.key).toBe("py.ключ-🔑");
    expect(metadata.details?.sequence).toBe(2n ** 53n + 1n);
    expect(metadata.details?.changeDate).toMatchObject({ seconds: 253402300799n, nanos: 999999999 });
    expect(metadata.details?.creationDate?.seconds).toBe(-62135596800n);
    expect(report.pythonJson[0]!.json.default).toContain('"changeDate": "9999-12-31T23:59:59.999999999Z"');
    const request = fromJsonString(ListUserMetadataRequestSchema, report.pythonJson[3]!.json.protoNamesEnumNumbers);
    expect(request.queries[0]?.query.value?.method).toBe(TextQueryMethod.ENDS_WITH_IGNORE_CASE);
    expect(request.query?.offset).toBe(2n ** 64n - 2n);
    expect(fromJsonString(ListUserMetadataRequestV2Schema, report.pythonJson[5]!.json.default).pagination).toBeDefined();
  });

  it("JSON protobuf-es wrote reads in Python's json_format to exactly the bytes protobuf-es's toBinary gives", () => {
    expect(report.esJsonRead).toHaveLength(sent.length);
    for (const [i, read] of report.esJsonRead.entries()) {
      const { message } = sent[i]!;
      const schema = schemaOf(message.$typeName);
      expect(read.type).toBe(schema.typeName);
      expectBytes(fromBase64(read.binary), toBinary(schema, message));
      // And json_format writes it back as protobuf-es's default JSON does.
      expect(JSON.parse(read.json), schema.typeName).toEqual(JSON.parse(toJsonString(schema, message)));
    }
    expect(sent.some(({ json }) => json.includes('"processed_sequence":"9007199254740995"'))).toBe(true);
    expect(sent.some(({ json }) => json.includes('"method":5'))).toBe(true);
  });
});
