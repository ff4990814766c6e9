// Proves our v2 / v2beta .proto files are wire-compatible with upstream
// ZITADEL by comparing our generated descriptors with the ones @zitadel/proto
// embeds: user v2, org v2beta, metadata v2 / v2beta, filter v2 / v2beta (and
// object v2beta, whose TextQueryMethod the v2beta queries use). Org v2's
// metadata RPCs are not in @zitadel/proto: test/org-v2-spec.spec.ts checks
// them against ZITADEL-V2.md instead.
import type { DescEnum, DescFile, DescMessage, DescService } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { file_zitadel_filter_v2_filter as upstreamFilterV2 } from "@zitadel/proto/zitadel/filter/v2/filter_pb.js";
import { file_zitadel_filter_v2beta_filter as upstreamFilterV2beta } from "@zitadel/proto/zitadel/filter/v2beta/filter_pb.js";
import { file_zitadel_metadata_v2_metadata as upstreamMetadataV2 } from "@zitadel/proto/zitadel/metadata/v2/metadata_pb.js";
import { file_zitadel_metadata_v2beta_metadata as upstreamMetadataV2beta } from "@zitadel/proto/zitadel/metadata/v2beta/metadata_pb.js";
import { file_zitadel_object_v2beta_object as upstreamObjectV2beta } from "@zitadel/proto/zitadel/object/v2beta/object_pb.js";
import { OrganizationService as UpstreamOrgV2beta } from "@zitadel/proto/zitadel/org/v2beta/org_service_pb.js";
import { UserService as UpstreamUserV2 } from "@zitadel/proto/zitadel/user/v2/user_service_pb.js";
import { file_zitadel_filter_v2_filter } from "../gen/zitadel/filter/v2/filter_pb.js";
import { file_zitadel_filter_v2beta_filter } from "../gen/zitadel/filter/v2beta/filter_pb.js";
import { file_zitadel_metadata_v2_metadata } from "../gen/zitadel/metadata/v2/metadata_pb.js";
import { file_zitadel_metadata_v2beta_metadata } from "../gen/zitadel/metadata/v2beta/metadata_pb.js";
import { file_zitadel_object_v2beta_object } from "../gen/zitadel/object/v2beta/object_pb.js";
import { OrganizationService as OrgV2beta } from "../gen/zitadel/org/v2beta/org_service_pb.js";
import { UserService as UserV2 } from "../gen/zitadel/user/v2/user_service_pb.js";
import { enumsOf, enumValues, expectSameMethod, fieldShapes, oneofShapes, reachable } from "./support/descriptor-shape.js";

const metadataRpc = /^(Set|List|Delete)(User|Organization)Metadata$/;

/** The same message on both sides: fields, oneofs (synthetic included) and the file that declares it. */
function expectSameMessage(mine: DescMessage, theirs: DescMessage) {
  expect(mine.typeName).toBe(theirs.typeName);
  expect(fieldShapes(mine), mine.typeName).toEqual(fieldShapes(theirs));
  expect(oneofShapes(mine), `${mine.typeName} oneofs`).toEqual(oneofShapes(theirs));
  expect(
    mine.oneofs.map((o) => o.name),
    `${mine.typeName} real oneofs`,
  ).toEqual(theirs.oneofs.map((o) => o.name));
  expect(mine.file.name, `${mine.typeName} file`).toBe(theirs.file.name);
  expect(
    mine.nestedMessages.map((n) => n.typeName),
    `${mine.typeName} nested`,
  ).toEqual(theirs.nestedMessages.map((n) => n.typeName));
}

function expectSameEnum(mine: DescEnum, theirs: DescEnum) {
  expect(mine.typeName).toBe(theirs.typeName);
  expect(enumValues(mine), mine.typeName).toEqual(enumValues(theirs));
  expect(mine.file.name, `${mine.typeName} file`).toBe(theirs.file.name);
}

const services: [string, DescService, DescService][] = [
  ["zitadel.user.v2.UserService", UserV2, UpstreamUserV2],
  ["zitadel.org.v2beta.OrganizationService", OrgV2beta, UpstreamOrgV2beta],
];

describe("wire compatibility of the v2 / v2beta services with upstream ZITADEL descriptors", () => {
  for (const [label, ours, upstream] of services) {
    describe(label, () => {
      it("has the same full name and file", () => {
        expect(ours.typeName).toBe(label);
        expect(ours.typeName).toBe(upstream.typeName);
        expect(ours.file.name).toBe(upstream.file.name);
      });

      it("declares exactly the three metadata RPCs, each present upstream", () => {
        const upstreamMetadata = upstream.methods
          .map((m) => m.name)
          .filter((n) => metadataRpc.test(n))
          .sort();
        expect(upstreamMetadata).toHaveLength(3);
        expect(ours.methods.map((m) => m.name).sort()).toEqual(upstreamMetadata);
      });

      for (const method of ours.methods) {
        it(`${method.name}: same kind, types and HTTP rule`, () => {
          expectSameMethod(
            method,
            upstream.methods.find((m) => m.name === method.name),
          );
        });
      }

      it("every reachable message and enum is identical, in both directions", () => {
        const oursMsgs = reachable(ours.methods.flatMap((m) => [m.input, m.output]));
        const theirsMsgs = reachable(upstream.methods.filter((m) => ours.methods.some((o) => o.name === m.name)).flatMap((m) => [m.input, m.output]));
        expect([...oursMsgs.keys()].sort()).toEqual([...theirsMsgs.keys()].sort());
        for (const [name, mine] of oursMsgs) expectSameMessage(mine, theirsMsgs.get(name)!);

        const oursEnums = enumsOf(oursMsgs.values());
        const theirsEnums = enumsOf(theirsMsgs.values());
        expect([...oursEnums.keys()].sort()).toEqual([...theirsEnums.keys()].sort());
        expect(oursEnums.size).toBe(1);
        for (const [name, mine] of oursEnums) expectSameEnum(mine, theirsEnums.get(name)!);
      });
    });
  }

  it("ListUserMetadata's and ListOrganizationMetadata's pagination is proto3 optional (explicit presence) on both sides", () => {
    for (const [, ours, upstream] of services) {
      for (const service of [ours, upstream]) {
        const list = service.methods.find((m) => /^List.*Metadata$/.test(m.name))!;
        const pagination = list.input.fields.find((f) => f.name === "pagination")!;
        expect(pagination.proto.proto3Optional, `${list.input.typeName}.pagination`).toBe(true);
        expect(fieldShapes(list.input).find((f) => f.number === 2)?.label).toBe("optional");
        expect(oneofShapes(list.input)).toEqual([{ name: "_pagination", fields: [2] }]);
      }
    }
  });

  // Our shared files declare only what the metadata RPCs use; upstream's
  // declare more (ListUsers' value filter, other paging helpers). Each of ours
  // must be upstream's, exactly.
  const files: [DescFile, DescFile, string[]][] = [
    [file_zitadel_filter_v2_filter, upstreamFilterV2, ["PaginationRequest", "PaginationResponse", "TextFilterMethod"]],
    [file_zitadel_filter_v2beta_filter, upstreamFilterV2beta, ["PaginationRequest", "PaginationResponse"]],
    [file_zitadel_metadata_v2_metadata, upstreamMetadataV2, ["Metadata", "MetadataSearchFilter", "MetadataKeyFilter"]],
    [file_zitadel_metadata_v2beta_metadata, upstreamMetadataV2beta, ["Metadata", "MetadataQuery", "MetadataKeyQuery"]],
    [file_zitadel_object_v2beta_object, upstreamObjectV2beta, ["TextQueryMethod"]],
  ];
  for (const [ours, upstream, names] of files) {
    it(`${ours.name}.proto: the same package, and every declaration is upstream's`, () => {
      expect(ours.name).toBe(upstream.name);
      expect(ours.proto.package).toBe(upstream.proto.package);
      expect([...ours.messages, ...ours.enums].map((d) => d.name).sort()).toEqual([...names].sort());
      for (const mine of ours.messages) {
        const theirs = upstream.messages.find((m) => m.typeName === mine.typeName);
        expect(theirs, `${mine.typeName} missing upstream`).toBeDefined();
        expectSameMessage(mine, theirs!);
      }
      for (const mine of ours.enums) {
        const theirs = upstream.enums.find((e) => e.typeName === mine.typeName);
        expect(theirs, `${mine.typeName} missing upstream`).toBeDefined();
        expectSameEnum(mine, theirs!);
      }
    });
  }
});
