// Proves our .proto files are wire-compatible with upstream ZITADEL by
// comparing our generated descriptors with the ones @zitadel/proto embeds.
import type { DescService } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { AuthService as UpstreamAuth } from "@zitadel/proto/zitadel/auth_pb.js";
import { ManagementService as UpstreamManagement } from "@zitadel/proto/zitadel/management_pb.js";
import { ErrorDetailSchema as UpstreamErrorDetail } from "@zitadel/proto/zitadel/message_pb.js";
import { AuthService } from "../gen/zitadel/auth_pb.js";
import { ManagementService } from "../gen/zitadel/management_pb.js";
import { ErrorDetailSchema } from "../gen/zitadel/message_pb.js";
import { fieldShape, expectSameMethod, reachable } from "./support/descriptor-shape.js";

const pairs: [string, DescService, DescService][] = [
  ["ManagementService", ManagementService, UpstreamManagement],
  ["AuthService", AuthService, UpstreamAuth],
];

describe("wire compatibility with upstream ZITADEL descriptors", () => {
  for (const [label, ours, upstream] of pairs) {
    describe(label, () => {
      it("has the same full name", () => {
        expect(ours.typeName).toBe(upstream.typeName);
      });

      it("declares exactly the metadata RPCs, each present upstream", () => {
        const upstreamMetadata = upstream.methods
          .map((m) => m.name)
          .filter((n) => /^(Set|BulkSet|List|Get|Remove|BulkRemove)(User|Org|My)Metadata$/.test(n))
          .sort();
        expect(ours.methods.map((m) => m.name).sort()).toEqual(upstreamMetadata);
        expect(ours.methods.length).toBe(label === "ManagementService" ? 12 : 2);
      });

      for (const method of ours.methods) {
        it(`${method.name}: same kind, types and HTTP rule`, () => {
          expectSameMethod(
            method,
            upstream.methods.find((m) => m.name === method.name),
          );
        });
      }

      it("every reachable message has identical fields in both directions", () => {
        const oursMsgs = reachable(ours.methods.flatMap((m) => [m.input, m.output]));
        const theirsMsgs = reachable(upstream.methods.filter((m) => ours.methods.some((o) => o.name === m.name)).flatMap((m) => [m.input, m.output]));
        expect([...oursMsgs.keys()].sort()).toEqual([...theirsMsgs.keys()].sort());
        for (const [name, mine] of oursMsgs) {
          const theirs = theirsMsgs.get(name)!;
          const a = mine.fields.map(fieldShape).sort((x, y) => x.number - y.number);
          const b = theirs.fields.map(fieldShape).sort((x, y) => x.number - y.number);
          expect(a, name).toEqual(b);
          expect(
            mine.oneofs.map((o) => o.name),
            name,
          ).toEqual(theirs.oneofs.map((o) => o.name));
          for (const f of mine.fields) {
            if (f.fieldKind === "enum") {
              const theirsField = theirs.fields.find((x) => x.number === f.number);
              const values = (e: typeof f.enum) => e.values.map((v) => [v.name, v.number]);
              expect(theirsField?.fieldKind).toBe("enum");
              if (theirsField?.fieldKind === "enum") {
                expect(values(f.enum), f.enum.typeName).toEqual(values(theirsField.enum));
              }
            }
          }
        }
      });
    });
  }

  it("ErrorDetail, which travels in error details, matches too", () => {
    expect(ErrorDetailSchema.typeName).toBe(UpstreamErrorDetail.typeName);
    expect(ErrorDetailSchema.fields.map(fieldShape)).toEqual(UpstreamErrorDetail.fields.map(fieldShape));
  });
});
