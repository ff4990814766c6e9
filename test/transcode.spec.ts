// The REST mapping of every RPC (verb, exact path, query, JSON body), the
// google.api.http rules on a synthetic service, and how the REST transport
// turns HTTP responses into results and ConnectErrors (with a fake fetch).
import type { DescFile, DescMessage, DescMethod, DescService, MessageInitShape } from "@bufbuild/protobuf";
import { create, createFileRegistry, setExtension } from "@bufbuild/protobuf";
import { protoCamelCase } from "@bufbuild/protobuf/reflect";
import {
  type FieldDescriptorProtoSchema,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  MethodOptionsSchema,
  file_google_protobuf_timestamp,
  file_google_protobuf_wrappers,
  timestampFromDate,
} from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { rejection } from "./support/failures.js";
import { describe, expect, it } from "vitest";
import { http } from "../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../gen/google/api/http_pb.js";
import { HttpRuleSchema } from "../gen/google/api/http_pb.js";
import { AuthService } from "../gen/zitadel/auth_pb.js";
import { ManagementService } from "../gen/zitadel/management_pb.js";
import { ErrorDetailSchema } from "../gen/zitadel/message_pb.js";
import { TextQueryMethod, file_zitadel_object } from "../gen/zitadel/object_pb.js";
import type { TranscodeOptions } from "../src/http-rule/transcode.js";
import { parseRestResponse, transcode } from "../src/http-rule/transcode.js";
import { servicePrefix } from "../src/transport/service-prefix.js";
import { cleanPath } from "../src/http-rule/gateway-path.js";
import { createManagementClient, createRestTransport, createZitadelInterceptor, getErrorDetail } from "../src/index.js";

const mgmt = ManagementService.method;
const auth = AuthService.method;

/** Transcodes and returns plain data, so that toEqual compares what goes on the wire. */
/** ZITADEL's prefixes, as the REST transport passes them. */
const zitadelPrefixes: TranscodeOptions = { servicePrefix: (s) => servicePrefix(s) };

function wire<I extends DescMessage>(method: DescMethod & { input: I }, init: MessageInitShape<I>, options: TranscodeOptions = zitadelPrefixes) {
  const r = transcode(method, create(method.input, init), options);
  return { method: r.method, path: r.path, query: [...r.query], body: r.body };
}

function failure(run: () => unknown): ConnectError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectError);
    return e as ConnectError;
  }
  throw new Error("expected a ConnectError, but nothing was thrown");
}

const value = new Uint8Array([0, 1, 250, 255]);
const value64 = "AAH6/w=="; // standard base64 with padding, as proto3 JSON writes bytes
const listQuery = { offset: 10n, limit: 2, asc: true };
const listQueryJson = { offset: "10", limit: 2, asc: true };
const keyQuery = [{ query: { case: "keyQuery" as const, value: { key: "a", method: TextQueryMethod.STARTS_WITH_IGNORE_CASE } } }];
const keyQueryJson = [{ keyQuery: { key: "a", method: "TEXT_QUERY_METHOD_STARTS_WITH_IGNORE_CASE" } }];

describe("the 14 metadata RPCs over REST", () => {
  const cases = [
    {
      rpc: "SetUserMetadata",
      got: () => wire(mgmt.setUserMetadata, { id: "u1", key: "k", value }),
      want: { method: "POST", path: "/management/v1/users/u1/metadata/k", query: [], body: { value: value64 } },
    },
    {
      rpc: "BulkSetUserMetadata",
      got: () =>
        wire(mgmt.bulkSetUserMetadata, {
          id: "u1",
          metadata: [
            { key: "a", value },
            { key: "b/c", value: new Uint8Array() },
          ],
        }),
      want: {
        method: "POST",
        path: "/management/v1/users/u1/metadata/_bulk",
        query: [],
        // The empty value is a zero value and so omitted, as proto3 JSON does.
        body: { metadata: [{ key: "a", value: value64 }, { key: "b/c" }] },
      },
    },
    {
      rpc: "ListUserMetadata",
      got: () => wire(mgmt.listUserMetadata, { id: "u1", query: listQuery, queries: keyQuery }),
      want: {
        method: "POST",
        path: "/management/v1/users/u1/metadata/_search",
        query: [],
        body: { query: listQueryJson, queries: keyQueryJson },
      },
    },
    {
      rpc: "GetUserMetadata",
      got: () => wire(mgmt.getUserMetadata, { id: "u1", key: "k" }),
      want: { method: "GET", path: "/management/v1/users/u1/metadata/k", query: [], body: undefined },
    },
    {
      rpc: "RemoveUserMetadata",
      got: () => wire(mgmt.removeUserMetadata, { id: "u1", key: "k" }),
      want: { method: "DELETE", path: "/management/v1/users/u1/metadata/k", query: [], body: undefined },
    },
    {
      rpc: "BulkRemoveUserMetadata",
      got: () => wire(mgmt.bulkRemoveUserMetadata, { id: "u1", keys: ["a", "b"] }),
      want: { method: "DELETE", path: "/management/v1/users/u1/metadata/_bulk", query: [], body: { keys: ["a", "b"] } },
    },
    {
      rpc: "SetOrgMetadata",
      got: () => wire(mgmt.setOrgMetadata, { key: "k", value }),
      want: { method: "POST", path: "/management/v1/metadata/k", query: [], body: { value: value64 } },
    },
    {
      rpc: "BulkSetOrgMetadata",
      got: () => wire(mgmt.bulkSetOrgMetadata, { metadata: [{ key: "a", value }] }),
      want: { method: "POST", path: "/management/v1/metadata/_bulk", query: [], body: { metadata: [{ key: "a", value: value64 }] } },
    },
    {
      rpc: "ListOrgMetadata",
      got: () => wire(mgmt.listOrgMetadata, { query: listQuery, queries: keyQuery }),
      want: { method: "POST", path: "/management/v1/metadata/_search", query: [], body: { query: listQueryJson, queries: keyQueryJson } },
    },
    {
      rpc: "GetOrgMetadata",
      got: () => wire(mgmt.getOrgMetadata, { key: "k" }),
      want: { method: "GET", path: "/management/v1/metadata/k", query: [], body: undefined },
    },
    {
      rpc: "RemoveOrgMetadata",
      got: () => wire(mgmt.removeOrgMetadata, { key: "k" }),
      want: { method: "DELETE", path: "/management/v1/metadata/k", query: [], body: undefined },
    },
    {
      rpc: "BulkRemoveOrgMetadata",
      got: () => wire(mgmt.bulkRemoveOrgMetadata, { keys: ["a"] }),
      want: { method: "DELETE", path: "/management/v1/metadata/_bulk", query: [], body: { keys: ["a"] } },
    },
    {
      rpc: "ListMyMetadata",
      got: () => wire(auth.listMyMetadata, { query: listQuery, queries: keyQuery }),
      want: { method: "POST", path: "/auth/v1/users/me/metadata/_search", query: [], body: { query: listQueryJson, queries: keyQueryJson } },
    },
    {
      rpc: "GetMyMetadata",
      got: () => wire(auth.getMyMetadata, { key: "k" }),
      want: { method: "GET", path: "/auth/v1/users/me/metadata/k", query: [], body: undefined },
    },
  ];

  it("covers every RPC of both services", () => {
    const all = [...ManagementService.methods, ...AuthService.methods].map((m) => m.name).sort();
    expect(cases.map((c) => c.rpc).sort()).toEqual(all);
  });

  it.each(cases)("$rpc", ({ got, want }) => {
    expect(got()).toEqual(want);
  });

  it("empty requests send no body fields at all (zero values are omitted)", () => {
    expect(wire(auth.listMyMetadata, {}).body).toEqual({});
    expect(wire(mgmt.listUserMetadata, { id: "u1" }).body).toEqual({});
    expect(wire(mgmt.bulkRemoveOrgMetadata, {}).body).toEqual({});
  });

  it("64-bit integers go as strings and enums by name", () => {
    const { body } = wire(mgmt.listOrgMetadata, { query: { offset: 18446744073709551615n } });
    expect(JSON.stringify(body)).toBe('{"query":{"offset":"18446744073709551615"}}');
  });

  it("the path-bound fields are not repeated in a body:* body", () => {
    const { body } = wire(mgmt.setUserMetadata, { id: "u1", key: "k", value });
    expect(Object.keys(body as object)).toEqual(["value"]);
  });

  it("never modifies the caller's message", () => {
    const message = create(mgmt.setUserMetadata.input, { id: "u1", key: "k", value });
    const before = structuredClone(message);
    transcode(mgmt.setUserMetadata, message);
    expect(message).toEqual(before);
  });
});

describe("path variables", () => {
  // Each key must reach the server as exactly one path segment that decodes back to itself.
  const oddKeys: [string, string][] = [
    ["100%", "100%25"],
    ["with space", "with%20space"],
    ["ü", "%C3%BC"],
    ["?#", "%3F%23"],
    ["a+b=c&d", "a%2Bb%3Dc%26d"],
    ["*!'()", "%2A%21%27%28%29"],
    ["😀", "%F0%9F%98%80"],
    ["-._~", "-._~"],
    ["...", "..."],
    [".a", ".a"],
    ["%2F", "%252F"],
    ["%5Fbulk", "%255Fbulk"],
    ["a\\b", "a%5Cb"],
    ["tab\there", "tab%09here"],
  ];

  it.each(oddKeys)("key %j is sent as %s and reaches the gateway as one segment", (key, encoded) => {
    const { path } = wire(mgmt.getUserMetadata, { id: "u 1", key });
    expect(path).toBe(`/management/v1/users/u%201/metadata/${encoded}`);
    // fetch parses the URL first (WHATWG): it must neither re-encode nor resolve anything.
    const url = new URL(`https://zitadel.example${path}`);
    expect(url.pathname).toBe(path);
    expect(url.search).toBe("");
    // ZITADEL decodes the whole path, cleans it (redirecting if that changes it), then splits it.
    const decoded = decodeURIComponent(url.pathname);
    expect(cleanPath(decoded)).toBe(decoded);
    expect(decoded.split("/")).toEqual(["", "management", "v1", "users", "u 1", "metadata", key]);
  });

  it("a lone surrogate is sent as U+FFFD, as the binary encoding does", () => {
    expect(wire(mgmt.getOrgMetadata, { key: "a\ud800" }).path).toBe("/management/v1/metadata/a%EF%BF%BD");
  });

  // Values the gateway would split, redirect or route elsewhere: refused before anything is sent.
  const unroutable: [string, MessageInitShape<typeof mgmt.setUserMetadata.input>, string, RegExp][] = [
    ["a key with a slash", { id: "u1", key: "a/b" }, 'SetUserMetadataRequest.key "a/b"', /decodes "%2F" to "\/" before it splits the path/],
    ["a key that is only a slash", { id: "u1", key: "/" }, 'SetUserMetadataRequest.key "/"', /decodes "%2F"/],
    ["a user id with a slash", { id: "u/1", key: "k" }, 'SetUserMetadataRequest.id "u/1"', /decodes "%2F"/],
    ["key .", { id: "u1", key: "." }, 'SetUserMetadataRequest.key "."', /resolves "\." and "\.\." segments/],
    ["key ..", { id: "u1", key: ".." }, 'SetUserMetadataRequest.key ".."', /resolves "\." and "\.\." segments/],
    ["user id .", { id: ".", key: "k" }, 'SetUserMetadataRequest.id "."', /resolves "\." and "\.\." segments/],
    ["user id ..", { id: "..", key: "k" }, 'SetUserMetadataRequest.id ".."', /resolves/],
    ["an empty user id", { id: "", key: "k" }, 'SetUserMetadataRequest.id ""', /empty segment \("\/\/"\), which ZITADEL's router collapses/],
  ];

  it.each(unroutable)("%s is refused, naming the field and value, pointing at grpc", (_, init, named, why) => {
    const err = failure(() => wire(mgmt.setUserMetadata, { ...init, value }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toMatch(new RegExp(`^${named.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} cannot be sent over REST: `));
    expect(err.rawMessage).toMatch(why);
    expect(err.rawMessage).toMatch(/\. Use protocol "grpc" or "grpc-web" for this value\.$/);
  });

  it("each refused value is one the gateway's path handling would change", () => {
    for (const [, init] of unroutable) {
      const decoded = `/management/v1/users/${init.id}/metadata/${init.key}`;
      const arrives = cleanPath(decoded).split("/");
      expect(arrives, decoded).not.toEqual(["", "management", "v1", "users", init.id, "metadata", init.key]);
    }
  });

  it("a long refused key is cut in the message", () => {
    const key = `${"k".repeat(150)}/x`;
    const err = failure(() => wire(mgmt.getOrgMetadata, { key }));
    expect(err.rawMessage).toContain(`GetOrgMetadataRequest.key "${"k".repeat(100)}…" cannot be sent over REST`);
    expect(err.rawMessage).not.toContain("k".repeat(101));
  });

  it("an empty key ends the path with a slash, which survives, for the server to reject as over gRPC", () => {
    expect(wire(mgmt.getOrgMetadata, { key: "" }).path).toBe("/management/v1/metadata/");
    expect(wire(mgmt.setUserMetadata, { id: "u1", key: "" }).path).toBe("/management/v1/users/u1/metadata/");
    expect(cleanPath("/management/v1/metadata/")).toBe("/management/v1/metadata/");
  });

  it("a key equal to another RPC's literal route with the same verb is refused, not sent to that RPC", () => {
    const set = failure(() => wire(mgmt.setUserMetadata, { id: "u1", key: "_search", value }));
    expect(set.code).toBe(Code.InvalidArgument);
    expect(set.rawMessage).toBe(
      'SetUserMetadataRequest.key "_search" cannot be sent over REST: POST /management/v1/users/u1/metadata/_search is the route of ListUserMetadata, not of SetUserMetadata (/management/v1/users/{id}/metadata/{key}). Use protocol "grpc" or "grpc-web" for this value.',
    );
    expect(failure(() => wire(mgmt.setOrgMetadata, { key: "_bulk", value })).rawMessage).toContain("BulkSetOrgMetadata");
    expect(failure(() => wire(mgmt.removeOrgMetadata, { key: "_bulk" })).rawMessage).toContain("BulkRemoveOrgMetadata");
    expect(failure(() => wire(mgmt.removeUserMetadata, { id: "u1", key: "_bulk" })).rawMessage).toContain("BulkRemoveUserMetadata");
  });

  it("the same key with a verb that has no such literal route is fine", () => {
    expect(wire(mgmt.getOrgMetadata, { key: "_bulk" }).path).toBe("/management/v1/metadata/_bulk");
    expect(wire(mgmt.getUserMetadata, { id: "u1", key: "_search" }).path).toBe("/management/v1/users/u1/metadata/_search");
    expect(wire(mgmt.removeOrgMetadata, { key: "_search" }).path).toBe("/management/v1/metadata/_search");
    expect(wire(mgmt.setOrgMetadata, { key: "_bulky" }).path).toBe("/management/v1/metadata/_bulky");
  });

  it("a user id that looks like a literal is only a problem where a route has that literal", () => {
    // Auth's /users/me/... lives under /auth/v1, so a management user called "me" is just a user.
    expect(wire(mgmt.getUserMetadata, { id: "me", key: "k" }).path).toBe("/management/v1/users/me/metadata/k");
  });
});

describe("service prefixes", () => {
  it("derives /<x>/v1 from zitadel.<x>.v1 services", () => {
    expect(servicePrefix(ManagementService)).toBe("/management/v1");
    expect(servicePrefix(AuthService)).toBe("/auth/v1");
    expect(servicePrefix({ typeName: "zitadel.admin.v1.AdminService" } as DescService)).toBe("/admin/v1");
  });

  it("puts other services (v2 annotations carry their full path) at the root", () => {
    expect(servicePrefix({ typeName: "zitadel.user.v2.UserService" } as DescService)).toBe("");
    expect(servicePrefix({ typeName: "acme.v1.Thing" } as DescService)).toBe("");
  });

  it("lets an override map win", () => {
    const servicePrefixes = { "zitadel.management.v1.ManagementService": "/mgmt" };
    const options: TranscodeOptions = { servicePrefix: (s) => servicePrefix(s, servicePrefixes) };
    expect(wire(mgmt.getOrgMetadata, { key: "k" }, options).path).toBe("/mgmt/metadata/k");
    expect(wire(auth.getMyMetadata, { key: "k" }, options).path).toBe("/auth/v1/users/me/metadata/k");
  });
});

// ---------------------------------------------------------------------------
// A synthetic service, for the parts of google.api.http our RPCs do not use.

const { Type, Label } = { Type: FieldDescriptorProto_Type, Label: FieldDescriptorProto_Label };

function field(
  name: string,
  number: number,
  type: FieldDescriptorProto_Type,
  more: { label?: FieldDescriptorProto_Label; typeName?: string } = {},
): MessageInitShape<typeof FieldDescriptorProtoSchema> {
  // protoc always fills json_name; the registry relies on it.
  return { name, number, type, label: Label.OPTIONAL, jsonName: protoCamelCase(name), ...more };
}

function rule(init: MessageInitShape<typeof HttpRuleSchema>) {
  const options = create(MethodOptionsSchema);
  setExtension(options, http, create(HttpRuleSchema, init) as HttpRule);
  return options;
}

function rpc(name: string, options: ReturnType<typeof rule> | undefined) {
  return { name, inputType: ".zitadel.synthetic.v1.Request", outputType: ".zitadel.synthetic.v1.Response", options };
}

const syntheticDeps: Record<string, DescFile> = {
  "zitadel/object.proto": file_zitadel_object,
  "google/protobuf/timestamp.proto": file_google_protobuf_timestamp,
  "google/protobuf/wrappers.proto": file_google_protobuf_wrappers,
};

const syntheticFile = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "zitadel/synthetic.proto",
    package: "zitadel.synthetic.v1",
    syntax: "proto3",
    dependency: ["zitadel/object.proto", "google/protobuf/timestamp.proto", "google/protobuf/wrappers.proto"],
    messageType: [
      { name: "Item", field: [field("id", 1, Type.STRING), field("count", 2, Type.INT64)] },
      {
        name: "Request",
        field: [
          field("parent", 1, Type.STRING),
          field("item", 2, Type.MESSAGE, { typeName: ".zitadel.synthetic.v1.Item" }),
          field("tags", 3, Type.STRING, { label: Label.REPEATED }),
          field("blob", 4, Type.BYTES),
          field("method", 5, Type.ENUM, { typeName: ".zitadel.v1.TextQueryMethod" }),
          field("query", 6, Type.MESSAGE, { typeName: ".zitadel.v1.ListQuery" }),
          field("flag", 7, Type.BOOL),
          field("big", 8, Type.UINT64),
          field("items", 9, Type.MESSAGE, { label: Label.REPEATED, typeName: ".zitadel.synthetic.v1.Item" }),
          field("labels", 10, Type.MESSAGE, { label: Label.REPEATED, typeName: ".zitadel.synthetic.v1.Request.LabelsEntry" }),
          field("at", 11, Type.MESSAGE, { typeName: ".google.protobuf.Timestamp" }),
          field("wrapped", 12, Type.MESSAGE, { typeName: ".google.protobuf.StringValue" }),
          field("full_name", 13, Type.STRING),
          field("methods", 14, Type.ENUM, { label: Label.REPEATED, typeName: ".zitadel.v1.TextQueryMethod" }),
        ],
        nestedType: [
          {
            name: "LabelsEntry",
            field: [field("key", 1, Type.STRING), field("value", 2, Type.STRING)],
            options: { mapEntry: true },
          },
        ],
      },
      {
        name: "Response",
        field: [field("name", 1, Type.STRING), field("item", 2, Type.MESSAGE, { typeName: ".zitadel.synthetic.v1.Item" })],
      },
    ],
    service: [
      {
        name: "SyntheticService",
        method: [
          rpc("Search", rule({ pattern: { case: "get", value: "/{parent=orgs/*}/items/{item.id}" } })),
          rpc("Update", rule({ pattern: { case: "patch", value: "/items/{item.id}" }, body: "item", responseBody: "item" })),
          rpc("Replace", rule({ pattern: { case: "put", value: "/things/{full_name=**}:replace" }, body: "*" })),
          rpc("Blob", rule({ pattern: { case: "get", value: "/blobs/{blob}" } })),
          rpc("Tag", rule({ pattern: { case: "custom", value: { kind: "put", path: "/tags/{parent}" } }, body: "tags" })),
          rpc("Head", rule({ pattern: { case: "custom", value: { kind: "HEAD", path: "/items" } } })),
          rpc("Broken", rule({ pattern: { case: "get", value: "/items/{nope}" } })),
          rpc("Plain", undefined),
          { ...rpc("Watch", rule({ pattern: { case: "get", value: "/watch" } })), serverStreaming: true },
        ],
      },
    ],
  }),
  (name) => syntheticDeps[name],
);
const synthetic = syntheticFile.getService("zitadel.synthetic.v1.SyntheticService")!;
const syn = (name: string) => synthetic.methods.find((m) => m.name === name)!;

describe("google.api.http rules beyond our RPCs (synthetic service)", () => {
  it("a GET puts every other set field into the query: dotted messages, repeated params, proto3 JSON scalars", () => {
    const got = wire(syn("Search"), {
      parent: "orgs/o 1",
      item: { id: "i 1", count: 5n },
      tags: ["a", "b c"],
      blob: new Uint8Array([0xfb, 0xff]),
      method: TextQueryMethod.STARTS_WITH,
      query: { offset: 1n, limit: 0, asc: true },
      flag: true,
      big: 18446744073709551615n,
      at: timestampFromDate(new Date("2024-05-06T07:08:09.5Z")),
      wrapped: "",
      fullName: "x",
      methods: [TextQueryMethod.EQUALS, TextQueryMethod.CONTAINS],
    });
    expect(got.method).toBe("GET");
    // {parent=orgs/*} keeps its slash; the single-segment {item.id} is one encoded segment.
    expect(got.path).toBe("/synthetic/v1/orgs/o%201/items/i%201");
    expect(got.body).toBeUndefined();
    // In field-number order; limit 0 is a zero value and omitted, the set wrapper "" is not.
    expect(got.query).toEqual([
      ["item.count", "5"],
      ["tags", "a"],
      ["tags", "b c"],
      ["blob", "+/8="],
      ["method", "TEXT_QUERY_METHOD_STARTS_WITH"],
      ["query.offset", "1"],
      ["query.asc", "true"],
      ["flag", "true"],
      ["big", "18446744073709551615"],
      ["at", "2024-05-06T07:08:09.500Z"],
      ["wrapped", ""],
      ["fullName", "x"],
      ["methods", "TEXT_QUERY_METHOD_EQUALS"],
      ["methods", "TEXT_QUERY_METHOD_CONTAINS"],
    ]);
  });

  it("the query string encodes what a form decoder reads back", () => {
    const { query } = transcode(syn("Search"), create(syn("Search").input, { parent: "orgs/o", tags: ["a&b=c", "+ /"] }));
    expect(query.toString()).toBe("tags=a%26b%3Dc&tags=%2B+%2F");
    expect(new URLSearchParams(query.toString()).getAll("tags")).toEqual(["a&b=c", "+ /"]);
  });

  it("useProtoFieldName names the query parameters by proto name", () => {
    const got = wire(syn("Search"), { parent: "orgs/o", fullName: "x" }, { jsonOptions: { useProtoFieldName: true } });
    expect(got.query).toEqual([["full_name", "x"]]);
  });

  it("a single-segment variable refuses a slash; a multi-segment one refuses segments the gateway would change", () => {
    expect(failure(() => wire(syn("Search"), { parent: "orgs/o", item: { id: "i/1" } })).rawMessage).toMatch(
      /^Request\.item\.id "i\/1" cannot be sent over REST: ZITADEL's gateway decodes "%2F"/,
    );
    for (const fullName of ["a/../b", "a/./b", "a//b", "./a", "a/"]) {
      expect(failure(() => wire(syn("Replace"), { fullName })).rawMessage, fullName).toMatch(/^Request\.full_name "[^"]*" cannot be sent over REST: /);
    }
  });

  it("a custom verb keeps the last segment from being empty or a dot segment", () => {
    expect(wire(syn("Replace"), { fullName: "a/." }).path).toBe("/synthetic/v1/things/a/.:replace");
    expect(cleanPath("/synthetic/v1/things/a/.:replace")).toBe("/synthetic/v1/things/a/.:replace");
  });

  it('bytes in a path go as URL-safe base64, which the gateway also accepts, so a "/" never splits them', () => {
    expect(wire(syn("Blob"), { blob: new Uint8Array([0xfb, 0xff, 0xfe]) }).path).toBe("/synthetic/v1/blobs/-__-");
    expect(wire(syn("Blob"), { blob: new Uint8Array([0xff]) }).path).toBe("/synthetic/v1/blobs/_w%3D%3D");
  });

  it("a value that does not fit a {field=pattern} is refused", () => {
    for (const parent of ["projects/p", "orgs/", "orgs/a/b", "orgs"]) {
      const err = failure(() => wire(syn("Search"), { parent }));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toBe(`Request.parent must look like "orgs/*" to fill the REST path; got "${parent}".`);
    }
  });

  it("repeated messages and maps have no query form: refused when set, fine when empty", () => {
    expect(failure(() => wire(syn("Search"), { parent: "orgs/o", items: [{ id: "1" }] })).rawMessage).toContain('field "items" is a repeated message');
    expect(failure(() => wire(syn("Search"), { parent: "orgs/o", labels: { a: "b" } })).rawMessage).toContain('field "labels" is a map');
    expect(wire(syn("Search"), { parent: "orgs/o", items: [], labels: {} }).query).toEqual([]);
  });

  it('body: "field" sends that field (without its path-bound part) and the rest as query', () => {
    const got = wire(syn("Update"), { item: { id: "i1", count: 3n }, tags: ["t"] });
    expect(got).toEqual({ method: "PATCH", path: "/synthetic/v1/items/i1", query: [["tags", "t"]], body: { count: "3" } });
    // Unset, the body field still goes as its zero value: the gateway always reads a body here.
    expect(wire(syn("Update"), {}).body).toEqual({});
  });

  it("a repeated body field and a lowercase custom verb", () => {
    const got = wire(syn("Tag"), { parent: "p", tags: ["a"], flag: true });
    expect(got).toEqual({ method: "PUT", path: "/synthetic/v1/tags/p", query: [["flag", "true"]], body: ["a"] });
    expect(wire(syn("Tag"), { parent: "p" }).body).toEqual([]);
  });

  it("{field=**} keeps slashes, and a :verb suffix follows the path", () => {
    const got = wire(syn("Replace"), { fullName: "a/b/c d", flag: true });
    expect(got).toEqual({ method: "PUT", path: "/synthetic/v1/things/a/b/c%20d:replace", query: [], body: { flag: true } });
    expect(failure(() => wire(syn("Replace"), { fullName: "a/../b" })).code).toBe(Code.InvalidArgument);
  });

  it("response_body: the response is that one field", () => {
    const update = syn("Update");
    const message = parseRestResponse(update, { id: "x", count: "3", unknown: 1 }, { ignoreUnknownFields: true });
    expect(message.$typeName).toBe("zitadel.synthetic.v1.Response");
    expect((message as unknown as { item: { id: string; count: bigint } }).item).toMatchObject({ id: "x", count: 3n });
  });

  it("RPCs without a usable rule are Unimplemented, with the reason", () => {
    const cases: [string, string][] = [
      ["Plain", "zitadel.synthetic.v1.SyntheticService.Plain has no google.api.http annotation"],
      ["Head", 'the HTTP verb "HEAD" is not one of GET, POST, PUT, PATCH, DELETE'],
      ["Broken", 'path "/items/{nope}": {nope}: zitadel.synthetic.v1.Request has no field "nope"'],
      ["Watch", "is a server-streaming RPC; the REST transport calls unary RPCs only"],
    ];
    for (const [name, message] of cases) {
      const err = failure(() => wire(syn(name), {}));
      expect(err.code).toBe(Code.Unimplemented);
      expect(err.rawMessage).toContain(message);
    }
  });
});

// ---------------------------------------------------------------------------
// HTTP responses → results and errors, with a fake fetch.

const token = "secret-token-1234567890";

function fakeFetch(respond: () => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return respond();
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

function clientWith(respond: () => Response | Promise<Response>) {
  const fake = fakeFetch(respond);
  const transport = createRestTransport({
    baseUrl: "https://zitadel.example",
    fetch: fake.fetch,
    interceptors: [createZitadelInterceptor({ auth: token, orgId: "o1" })],
  });
  return { mgmt: createManagementClient(transport), transport, calls: fake.calls };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("the REST transport's responses (fake fetch)", () => {
  it("sends the interceptor's headers and JSON, and reads JSON ignoring unknown fields", async () => {
    const { mgmt, calls } = clientWith(() =>
      json({ metadata: { key: "k", value: "aGk=", shinyNewField: true, details: { sequence: "3", future: {} } }, extra: [1] }),
    );
    const res = await mgmt.getUserMetadata({ id: "u1", key: "a b" });
    expect(res.metadata?.key).toBe("k");
    expect(new TextDecoder().decode(res.metadata?.value)).toBe("hi");
    expect(res.metadata?.details?.sequence).toBe(3n);
    expect(calls).toHaveLength(1);
    const { url, init } = calls[0]!;
    expect(url).toBe("https://zitadel.example/management/v1/users/u1/metadata/a%20b");
    expect(init.method).toBe("GET");
    expect(init.body).toBeUndefined();
    expect(init.redirect).toBe("manual");
    const headers = new Headers(init.headers);
    expect(headers.get("authorization")).toBe(`Bearer ${token}`);
    expect(headers.get("x-zitadel-orgid")).toBe("o1");
    expect(headers.get("accept")).toBe("application/json");
    expect(headers.has("content-type")).toBe(false);
  });

  it("a body goes as JSON with content-type application/json", async () => {
    const { mgmt, calls } = clientWith(() => json({ details: { sequence: "1" } }));
    await mgmt.setOrgMetadata({ key: "k", value: new Uint8Array([1]) });
    const { init } = calls[0]!;
    expect(init.method).toBe("POST");
    expect(new Headers(init.headers).get("content-type")).toBe("application/json");
    // The body reaches fetch as bytes: the transport hands its HTTP client a byte stream, collected into one buffer.
    expect(init.body).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(new TextDecoder().decode(init.body as Uint8Array))).toEqual({ value: "AQ==" });
  });

  it("a google.rpc.Status body gives the same code, message and ErrorDetail as gRPC", async () => {
    const { mgmt } = clientWith(() =>
      json(
        {
          code: 5,
          message: "Metadata not found (QUERY-Rgh32)",
          details: [
            { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "1s" },
            { "@type": "type.googleapis.com/zitadel.v1.ErrorDetail", id: "QUERY-Rgh32", message: "Metadata not found" },
          ],
        },
        404,
        { "x-request-id": "r-1" },
      ),
    );
    const err = await rejection(mgmt.getUserMetadata({ id: "u1", key: "k" }));
    expect(err.code).toBe(Code.NotFound);
    expect(err.rawMessage).toBe("Metadata not found (QUERY-Rgh32)");
    const detail = getErrorDetail(err);
    expect({ id: detail?.id, message: detail?.message }).toEqual({ id: "QUERY-Rgh32", message: "Metadata not found" });
    expect(err.findDetails(ErrorDetailSchema)).toHaveLength(1);
    // A type the registry does not know cannot become bytes; it is left out rather than faked.
    expect(err.details).toHaveLength(1);
    expect(err.metadata.get("x-request-id")).toBe("r-1");
  });

  it("the Status code wins over the HTTP status", async () => {
    const { mgmt } = clientWith(() => json({ code: 9, message: "User could not be found (COMMAND-uXHNj)", details: [] }, 400));
    const err = await rejection(mgmt.setUserMetadata({ id: "u1", key: "k", value: new Uint8Array([1]) }));
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(getErrorDetail(err)).toBeUndefined();
  });

  it("a proxy's HTML 502: Unavailable, naming status and route, with the page title only", async () => {
    const { mgmt } = clientWith(
      () =>
        new Response(`<html><head><title>502 Bad Gateway</title></head><body>${"x".repeat(5000)} Bearer ${token}</body></html>`, {
          status: 502,
          statusText: "Bad Gateway",
          headers: { "content-type": "text/html", via: "proxy" },
        }),
    );
    const err = await rejection(mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).toBe('HTTP 502 Bad Gateway from /management/v1/metadata/k (body: "502 Bad Gateway")');
    expect(err.metadata.get("via")).toBe("proxy");
  });

  it("a text body is quoted in part, and a token echoed in it is redacted", async () => {
    const { mgmt } = clientWith(() => new Response(`denied: authorization: Bearer ${token}\n${"y".repeat(300)}`, { status: 403 }));
    const err = await rejection(mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.PermissionDenied);
    expect(err.message).not.toContain(token);
    expect(err.rawMessage).toMatch(/^HTTP 403 Forbidden from \/management\/v1\/metadata\/k \(body: "denied: authorization: \[redacted\] y+…"\)$/);
  });

  const statuses: [number, Code][] = [
    [400, Code.InvalidArgument],
    [401, Code.Unauthenticated],
    [403, Code.PermissionDenied],
    [404, Code.Unimplemented],
    [409, Code.Aborted],
    [429, Code.ResourceExhausted],
    [499, Code.Canceled],
    [500, Code.Internal],
    [501, Code.Unimplemented],
    [502, Code.Unavailable],
    [503, Code.Unavailable],
    [504, Code.DeadlineExceeded],
    [418, Code.Unknown],
  ];

  it.each(statuses)("HTTP %i without a Status body → %s", async (status, code) => {
    const { mgmt } = clientWith(() => new Response("", { status }));
    const err = await rejection(mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(code);
    expect(err.rawMessage).toMatch(new RegExp(`^HTTP ${status}( [A-Za-z ]+)? from /management/v1/metadata/k`));
  });

  it("a bare 404 says the route is missing, so it is never mistaken for missing metadata", async () => {
    const { mgmt } = clientWith(() => new Response("404 page not found\n", { status: 404, headers: { "content-type": "text/plain" } }));
    const err = await rejection(mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.Unimplemented);
    expect(err.rawMessage).toBe(
      'HTTP 404 Not Found from /management/v1/metadata/k: no such route. Check that baseUrl is the ZITADEL instance itself (the /management/v1 or /auth/v1 prefix is added for you) (body: "404 page not found")',
    );
  });

  it("a 2xx that is not JSON is Internal", async () => {
    const { mgmt } = clientWith(() => new Response("<html>login</html>", { status: 200, headers: { "content-type": "text/html" } }));
    const err = await rejection(mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toBe(
      "HTTP 200 from /management/v1/metadata/k is not JSON (content-type text/html); expected ZITADEL's REST gateway. Check that baseUrl points at the ZITADEL instance.",
    );
  });

  it("a 2xx JSON of the wrong shape is Internal", async () => {
    const { mgmt } = clientWith(() => json({ metadata: "nope" }));
    const err = await rejection(mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toContain("the JSON response from /management/v1/metadata/k is not a valid zitadel.management.v1.GetOrgMetadataResponse");
  });

  it("a redirect is reported, not followed", async () => {
    const { mgmt } = clientWith(() => new Response(null, { status: 302, headers: { location: "https://login.example/" } }));
    const err = await rejection(mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.Unknown);
    expect(err.rawMessage).toBe(
      "HTTP 302 from /management/v1/metadata/k to https://login.example/: API calls do not follow redirects. Set baseUrl to the address ZITADEL answers on itself.",
    );
  });

  it("a network failure is Unavailable and names the cause", async () => {
    const { mgmt } = clientWith(() => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }) });
    });
    const err = await rejection(mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).toBe("REST call GET /management/v1/metadata/k got no complete response from https://zitadel.example: fetch failed: ECONNREFUSED");
  });

  it.each([".", "a/b", ""])("a refused request (user id %j) fails before anything is sent", async (id) => {
    const { mgmt, calls } = clientWith(() => json({}));
    const err = await rejection(mgmt.getUserMetadata({ id, key: "k" }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain(`GetUserMetadataRequest.id "${id}" cannot be sent over REST`);
    expect(calls).toHaveLength(0);
  });

  it("streaming RPCs are Unimplemented", async () => {
    const { transport } = clientWith(() => json({}));
    const watch = syn("Watch");
    const err = await rejection(transport.stream(watch as Parameters<typeof transport.stream>[0], undefined, undefined, undefined, (async function* () {})()));
    expect(err.code).toBe(Code.Unimplemented);
    expect(err.rawMessage).toContain("streaming RPC; the REST transport calls unary RPCs only");
  });
});
