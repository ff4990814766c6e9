// zitadel.org.v2.OrganizationService's metadata RPCs (ZITADEL v4.7+) are not
// in @zitadel/proto, so test/wire-compat-v2.spec.ts cannot compare them with
// upstream. This test checks our descriptors against a table written from
// ../shared/ZITADEL-V2.md instead: services, paths, HTTP rules, and every field
// of every org.v2 message (name, number, type, label). The shared messages
// they use (metadata.v2, filter.v2) are user v2's, which the wire-compat test
// does compare with upstream.
import { ScalarType } from "@bufbuild/protobuf";
import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { OrganizationService as UpstreamOrgV2 } from "@zitadel/proto/zitadel/org/v2/org_service_pb.js";
import { OrganizationService } from "../gen/zitadel/org/v2/org_service_pb.js";
import { UserService } from "../gen/zitadel/user/v2/user_service_pb.js";
import { httpRule, oneofShapes, reachable } from "./support/descriptor-shape.js";

/** `[label] type name = number`, as ZITADEL-V2.md writes fields. */
type FieldRow = string;

const spec = {
  file: "zitadel/org/v2/org_service",
  package: "zitadel.org.v2",
  service: "zitadel.org.v2.OrganizationService",
  rpcs: [
    {
      name: "SetOrganizationMetadata",
      http: { pattern: "post", path: "/v2/organizations/{organization_id}/metadata", body: "*" },
      input: "zitadel.org.v2.SetOrganizationMetadataRequest",
      output: "zitadel.org.v2.SetOrganizationMetadataResponse",
    },
    {
      name: "ListOrganizationMetadata",
      http: { pattern: "post", path: "/v2/organizations/{organization_id}/metadata/search", body: "*" },
      input: "zitadel.org.v2.ListOrganizationMetadataRequest",
      output: "zitadel.org.v2.ListOrganizationMetadataResponse",
    },
    {
      // No body: the keys go in the query string (?keys=a&keys=b).
      name: "DeleteOrganizationMetadata",
      http: { pattern: "delete", path: "/v2/organizations/{organization_id}/metadata", body: "" },
      input: "zitadel.org.v2.DeleteOrganizationMetadataRequest",
      output: "zitadel.org.v2.DeleteOrganizationMetadataResponse",
    },
  ],
  messages: {
    "zitadel.org.v2.Metadata": ["string key = 1", "bytes value = 2"],
    "zitadel.org.v2.SetOrganizationMetadataRequest": ["string organization_id = 1", "repeated zitadel.org.v2.Metadata metadata = 2"],
    "zitadel.org.v2.SetOrganizationMetadataResponse": ["google.protobuf.Timestamp set_date = 1"],
    "zitadel.org.v2.ListOrganizationMetadataRequest": [
      "string organization_id = 1",
      "optional zitadel.filter.v2.PaginationRequest pagination = 2",
      "repeated zitadel.metadata.v2.MetadataSearchFilter filters = 3",
    ],
    "zitadel.org.v2.ListOrganizationMetadataResponse": [
      "zitadel.filter.v2.PaginationResponse pagination = 1",
      "repeated zitadel.metadata.v2.Metadata metadata = 2",
    ],
    "zitadel.org.v2.DeleteOrganizationMetadataRequest": ["string organization_id = 1", "repeated string keys = 2"],
    "zitadel.org.v2.DeleteOrganizationMetadataResponse": ["google.protobuf.Timestamp deletion_date = 1"],
  } satisfies Record<string, FieldRow[]>,
} as const;

function typeOf(f: DescField): string {
  switch (f.fieldKind) {
    case "scalar":
      return ScalarType[f.scalar].toLowerCase();
    case "enum":
      return f.enum.typeName;
    case "message":
      return f.message.typeName;
    case "list":
      if (f.listKind === "scalar") return ScalarType[f.scalar].toLowerCase();
      return f.listKind === "enum" ? f.enum.typeName : f.message.typeName;
    case "map":
      throw new Error(`${f.name}: no map fields expected`);
  }
}

/** A field as ZITADEL-V2.md writes it. */
function row(f: DescField): FieldRow {
  const label = f.fieldKind === "list" ? "repeated " : f.proto.proto3Optional ? "optional " : "";
  return `${label}${typeOf(f)} ${f.name} = ${f.number}`;
}

/** protoc's default JSON name, which the REST gateway and Connect JSON use. */
function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

describe("zitadel.org.v2.OrganizationService against ZITADEL-V2.md", () => {
  it("has the spec's full name, package and file, like upstream's (metadata-less) org v2 service", () => {
    expect(OrganizationService.typeName).toBe(spec.service);
    expect(OrganizationService.file.proto.package).toBe(spec.package);
    expect(OrganizationService.file.name).toBe(spec.file);
    expect(UpstreamOrgV2.typeName).toBe(spec.service);
    expect(UpstreamOrgV2.file.name).toBe(spec.file);
  });

  it("upstream's descriptors still lack org v2 metadata (when @zitadel/proto gains them, compare in wire-compat-v2.spec.ts)", () => {
    expect(UpstreamOrgV2.methods.filter((m) => /Metadata/.test(m.name)).map((m) => m.name)).toEqual([]);
  });

  it("declares exactly the three metadata RPCs", () => {
    expect(OrganizationService.methods.map((m) => m.name)).toEqual(spec.rpcs.map((r) => r.name));
  });

  for (const rpc of spec.rpcs) {
    it(`${rpc.name}: unary, the spec's types and HTTP rule`, () => {
      const method = OrganizationService.methods.find((m) => m.name === rpc.name)!;
      expect(method.methodKind).toBe("unary");
      expect(method.input.typeName).toBe(rpc.input);
      expect(method.output.typeName).toBe(rpc.output);
      expect(httpRule(method)).toEqual({ ...rpc.http, responseBody: "", additionalBindings: 0 });
    });
  }

  it("every org.v2 message has exactly the spec's fields, with default JSON names", () => {
    const messages = reachable(OrganizationService.methods.flatMap((m) => [m.input, m.output]));
    const own = [...messages.values()].filter((m) => m.typeName.startsWith("zitadel.org.v2."));
    expect(own.map((m) => m.typeName).sort()).toEqual(Object.keys(spec.messages).sort());
    for (const m of own) {
      const fields = [...m.fields].sort((a, b) => a.number - b.number);
      expect(fields.map(row), m.typeName).toEqual(spec.messages[m.typeName as keyof typeof spec.messages]);
      for (const f of fields) expect(f.jsonName, `${m.typeName}.${f.name}`).toBe(lowerCamel(f.name));
      // The only oneof is the synthetic one of proto3 `optional` pagination.
      expect(oneofShapes(m), m.typeName).toEqual(m.typeName.endsWith("ListOrganizationMetadataRequest") ? [{ name: "_pagination", fields: [2] }] : []);
      expect(m.file.name, m.typeName).toBe(spec.file);
    }
  });

  it("uses the very metadata.v2 and filter.v2 messages user v2 uses (checked against upstream there)", () => {
    const shared = (roots: DescMessage[]) => [...reachable(roots).values()].filter((m) => /^zitadel\.(metadata|filter)\.v2\./.test(m.typeName));
    const org = shared(OrganizationService.methods.flatMap((m) => [m.input, m.output]));
    const user = shared(UserService.methods.flatMap((m) => [m.input, m.output]));
    expect(org.map((m) => m.typeName).sort()).toEqual([
      "zitadel.filter.v2.PaginationRequest",
      "zitadel.filter.v2.PaginationResponse",
      "zitadel.metadata.v2.Metadata",
      "zitadel.metadata.v2.MetadataKeyFilter",
      "zitadel.metadata.v2.MetadataSearchFilter",
    ]);
    for (const m of org)
      expect(
        user.find((u) => u.typeName === m.typeName),
        m.typeName,
      ).toBe(m);
  });
});
