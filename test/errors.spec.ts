// Every error row of ZITADEL.md, with the same code, id, message and
// ErrorDetail, over every protocol; plus the validation messages.
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { TextQueryMethod } from "../gen/zitadel/object_pb.js";
import { createManagementClient } from "../src/index.js";
import { useEmulator } from "./support/emulator.js";
import { rejection } from "./support/failures.js";
import { clientsAs, expectBytes, expectZitadelError, protocols, rawTransport, utf8 } from "./support/protocols.js";

const notFound = (id: string) => ({ code: Code.NotFound, id, text: "Metadata not found" });

describe.each(protocols)("ZITADEL errors over %s", (protocol) => {
  const emulator = useEmulator();
  const admin = () => clientsAs(emulator(), protocol, "acme-admin").mgmt;
  const alice = () => emulator().user("alice");

  describe("metadata not found", () => {
    it("GetUserMetadata of a missing key: QUERY-Rgh32", async () => {
      await expectZitadelError(admin().getUserMetadata({ id: alice().id, key: "missing" }), notFound("QUERY-Rgh32"));
    });

    it("GetUserMetadata of a user outside the context org: QUERY-Rgh32, even when the key exists", async () => {
      const bob = emulator().user("bob");
      await clientsAs(emulator(), protocol, "globex-admin").mgmt.setUserMetadata({
        id: bob.id,
        key: "k",
        value: utf8("v"),
      });
      await expectZitadelError(admin().getUserMetadata({ id: bob.id, key: "k" }), notFound("QUERY-Rgh32"));
      expect((await admin().listUserMetadata({ id: bob.id })).result).toEqual([]);
    });

    it("GetMyMetadata of a missing key: QUERY-Rgh32", async () => {
      const { auth } = clientsAs(emulator(), protocol, "alice");
      await expectZitadelError(auth.getMyMetadata({ key: "missing" }), notFound("QUERY-Rgh32"));
    });

    it("GetOrgMetadata of a missing key: QUERY-Rph32", async () => {
      await expectZitadelError(admin().getOrgMetadata({ key: "missing" }), notFound("QUERY-Rph32"));
    });

    it("RemoveUserMetadata / RemoveOrgMetadata of a missing key: META-ncnw3 / META-mcnw3", async () => {
      await expectZitadelError(admin().removeUserMetadata({ id: alice().id, key: "missing" }), notFound("META-ncnw3"));
      await expectZitadelError(admin().removeOrgMetadata({ key: "missing" }), notFound("META-mcnw3"));
    });
  });

  describe("bulk operations", () => {
    const keysMissing = (id: string) => ({ code: Code.NotFound, id, text: "One or more keys do not exist" });
    const listEmpty = (id: string) => ({ code: Code.FailedPrecondition, id, text: "Metadata list is empty" });

    it("BulkRemoveUserMetadata with one missing key: META-2nnds, and nothing is removed", async () => {
      await admin().setUserMetadata({ id: alice().id, key: "keep", value: utf8("1") });
      await expectZitadelError(admin().bulkRemoveUserMetadata({ id: alice().id, keys: ["keep", "missing"] }), keysMissing("META-2nnds"));
      expectBytes((await admin().getUserMetadata({ id: alice().id, key: "keep" })).metadata?.value, utf8("1"));
    });

    it("BulkRemoveOrgMetadata with one missing key: META-2npds, and nothing is removed", async () => {
      await admin().setOrgMetadata({ key: "keep", value: utf8("1") });
      await expectZitadelError(admin().bulkRemoveOrgMetadata({ keys: ["keep", "missing"] }), keysMissing("META-2npds"));
      expectBytes((await admin().getOrgMetadata({ key: "keep" })).metadata?.value, utf8("1"));
    });

    it("empty lists: META-9mm2d, and META-9mw2d for BulkRemoveOrgMetadata", async () => {
      await expectZitadelError(admin().bulkSetUserMetadata({ id: alice().id, metadata: [] }), listEmpty("META-9mm2d"));
      await expectZitadelError(admin().bulkRemoveUserMetadata({ id: alice().id, keys: [] }), listEmpty("META-9mm2d"));
      await expectZitadelError(admin().bulkSetOrgMetadata({ metadata: [] }), listEmpty("META-9mm2d"));
      await expectZitadelError(admin().bulkRemoveOrgMetadata({ keys: [] }), listEmpty("META-9mw2d"));
    });
  });

  describe("user could not be found", () => {
    const userNotFound = { code: Code.FailedPrecondition, id: "COMMAND-uXHNj", text: "User could not be found" };
    const targets: [string, () => string][] = [
      ["a missing user", () => "123456789012345678"],
      ["a user outside the context org", () => emulator().user("bob").id],
    ];
    for (const [label, userId] of targets) {
      it(`every user write on ${label}: COMMAND-uXHNj`, async () => {
        const id = userId();
        const value = utf8("v");
        await expectZitadelError(admin().setUserMetadata({ id, key: "k", value }), userNotFound);
        await expectZitadelError(admin().bulkSetUserMetadata({ id, metadata: [{ key: "k", value }] }), userNotFound);
        await expectZitadelError(admin().removeUserMetadata({ id, key: "k" }), userNotFound);
        await expectZitadelError(admin().bulkRemoveUserMetadata({ id, keys: ["k"] }), userNotFound);
      });
    }
  });

  describe("authentication and authorization", () => {
    const raw = () => createManagementClient(rawTransport(emulator(), protocol));
    const getOrg = (headers: Record<string, string>) => raw().getOrgMetadata({ key: "k" }, { headers });

    it("no authorization header: Unauthenticated 'auth header missing', no ErrorDetail", async () => {
      await expectZitadelError(getOrg({}), { code: Code.Unauthenticated, text: "auth header missing" });
    });

    it("malformed authorization header: AUTH-toLo1", async () => {
      const token = emulator().user("acme-admin").token;
      for (const authorization of [`bearer ${token}`, `Basic ${token}`, "Bearer ", token]) {
        await expectZitadelError(getOrg({ authorization }), {
          code: Code.Unauthenticated,
          id: "AUTH-toLo1",
          text: "invalid auth header",
        });
      }
    });

    it("unknown or expired token: AUTH-7fs1e", async () => {
      const invalid = { code: Code.Unauthenticated, id: "AUTH-7fs1e", text: "Errors.Token.Invalid" };
      await expectZitadelError(getOrg({ authorization: "Bearer not-a-token" }), invalid);
      emulator().store.tokens.set(`expired-${protocol}`, {
        userId: emulator().user("acme-admin").id,
        expiresAt: Date.now() - 1,
      });
      await expectZitadelError(getOrg({ authorization: `Bearer expired-${protocol}` }), invalid);
    });

    it("unknown organization header: AUTH-Bs7Ds", async () => {
      const { mgmt } = clientsAs(emulator(), protocol, "iam-admin", { orgId: "999999999999999999" });
      await expectZitadelError(mgmt.getOrgMetadata({ key: "k" }), {
        code: Code.PermissionDenied,
        id: "AUTH-Bs7Ds",
        text: "Organisation doesn't exist",
      });
      const { auth } = clientsAs(emulator(), protocol, "alice", { orgId: "999999999999999999" });
      await expectZitadelError(auth.getMyMetadata({ key: "k" }), {
        code: Code.PermissionDenied,
        id: "AUTH-Bs7Ds",
        text: "Organisation doesn't exist",
      });
    });

    it("no membership in the context org: AUTHZ-cdgFk (alice on the management API)", async () => {
      const { mgmt } = clientsAs(emulator(), protocol, "alice");
      const membership = { code: Code.NotFound, id: "AUTHZ-cdgFk", text: "membership not found" };
      await expectZitadelError(mgmt.getUserMetadata({ id: alice().id, key: "k" }), membership);
      await expectZitadelError(mgmt.setOrgMetadata({ key: "k", value: utf8("v") }), membership);
      // acme-admin has no membership in globex.
      const globex = emulator().org("globex").id;
      const other = clientsAs(emulator(), protocol, "acme-admin", { orgId: globex }).mgmt;
      await expectZitadelError(other.listOrgMetadata({}), membership);
    });

    it("a membership without the permission: AUTH-5mWD2", async () => {
      const denied = { code: Code.PermissionDenied, id: "AUTH-5mWD2", text: "No matching permissions found" };
      const viewer = clientsAs(emulator(), protocol, "acme-viewer").mgmt;
      await expect(viewer.listUserMetadata({ id: alice().id })).resolves.toBeDefined();
      await expectZitadelError(viewer.setUserMetadata({ id: alice().id, key: "k", value: utf8("v") }), denied);
      await expectZitadelError(viewer.bulkRemoveOrgMetadata({ keys: ["k"] }), denied);
      const settings = clientsAs(emulator(), protocol, "acme-settings").mgmt;
      await expect(settings.setOrgMetadata({ key: "by-settings", value: utf8("v") })).resolves.toBeDefined();
      await expectZitadelError(settings.setUserMetadata({ id: alice().id, key: "k", value: utf8("v") }), denied);
    });

    it("authorization comes before validation, as in ZITADEL", async () => {
      await expectZitadelError(raw().setOrgMetadata({ key: "", value: new Uint8Array() }), {
        code: Code.Unauthenticated,
        text: "auth header missing",
      });
      const { auth } = clientsAs(emulator(), protocol, "alice");
      await expectZitadelError(auth.getMyMetadata({ key: "" }), {
        code: Code.InvalidArgument,
        text: "invalid GetMyMetadataRequest.Key: value length must be between 1 and 200 runes, inclusive",
      });
    });
  });

  describe("validation (InvalidArgument, no ErrorDetail)", () => {
    const invalid = (text: string) => ({ code: Code.InvalidArgument, text });
    const runes = "value length must be between 1 and 200 runes, inclusive";
    const bytes = "value length must be between 1 and 500000 bytes, inclusive";

    it("ids, keys and values", async () => {
      const v = utf8("v");
      const emptyId = admin().setUserMetadata({ id: "", key: "k", value: v });
      if (protocol === "rest") {
        // "/users//metadata/k" would be cleaned and redirected by ZITADEL's router: refused before sending.
        const err = await rejection(emptyId);
        expect(err.code).toBe(Code.InvalidArgument);
        expect(err.rawMessage).toMatch(/^SetUserMetadataRequest\.id "" cannot be sent over REST: .*empty segment/);
      } else {
        await expectZitadelError(emptyId, invalid(`invalid SetUserMetadataRequest.Id: ${runes}`));
      }
      await expectZitadelError(admin().setUserMetadata({ id: alice().id, key: "", value: v }), invalid(`invalid SetUserMetadataRequest.Key: ${runes}`));
      await expectZitadelError(
        admin().setUserMetadata({ id: alice().id, key: "k", value: new Uint8Array() }),
        invalid(`invalid SetUserMetadataRequest.Value: ${bytes}`),
      );
      await expectZitadelError(admin().getUserMetadata({ id: alice().id, key: "" }), invalid(`invalid GetUserMetadataRequest.Key: ${runes}`));
      await expectZitadelError(admin().removeOrgMetadata({ key: "" }), invalid(`invalid RemoveOrgMetadataRequest.Key: ${runes}`));
      await expectZitadelError(admin().setOrgMetadata({ key: "k", value: new Uint8Array() }), invalid(`invalid SetOrgMetadataRequest.Value: ${bytes}`));
    });

    it("bulk entries name their index", async () => {
      await expectZitadelError(
        admin().bulkSetUserMetadata({
          id: alice().id,
          metadata: [
            { key: "ok", value: utf8("v") },
            { key: "", value: utf8("v") },
          ],
        }),
        invalid(
          `invalid BulkSetUserMetadataRequest.Metadata[1]: embedded message failed validation | caused by: invalid BulkSetUserMetadataRequest_Metadata.Key: ${runes}`,
        ),
      );
      // Nothing of a rejected bulk request is written.
      await expectZitadelError(admin().getUserMetadata({ id: alice().id, key: "ok" }), notFound("QUERY-Rgh32"));
      await expectZitadelError(
        admin().bulkSetOrgMetadata({ metadata: [{ key: "k", value: new Uint8Array() }] }),
        invalid(
          `invalid BulkSetOrgMetadataRequest.Metadata[0]: embedded message failed validation | caused by: invalid BulkSetOrgMetadataRequest_Metadata.Value: ${bytes}`,
        ),
      );
      await expectZitadelError(
        admin().bulkRemoveUserMetadata({ id: alice().id, keys: ["a", ""] }),
        invalid(`invalid BulkRemoveUserMetadataRequest.Keys[1]: ${runes}`),
      );
    });

    it("queries: the oneof is required, keys at most 200 characters, methods defined", async () => {
      await expectZitadelError(
        admin().listUserMetadata({ id: alice().id, queries: [{}] }),
        invalid("invalid ListUserMetadataRequest.Queries[0]: embedded message failed validation | caused by: invalid MetadataQuery.Query: value is required"),
      );
      await expectZitadelError(
        admin().listOrgMetadata({ queries: [{ query: { case: "keyQuery", value: { key: "x".repeat(201) } } }] }),
        invalid(
          "invalid ListOrgMetadataRequest.Queries[0]: embedded message failed validation | caused by: invalid MetadataQuery.KeyQuery: embedded message failed validation | caused by: invalid MetadataKeyQuery.Key: value length must be at most 200 runes",
        ),
      );
      const { auth } = clientsAs(emulator(), protocol, "alice");
      await expectZitadelError(
        auth.listMyMetadata({ queries: [{ query: { case: "keyQuery", value: { key: "x", method: 99 as TextQueryMethod } } }] }),
        invalid(
          "invalid ListMyMetadataRequest.Queries[0]: embedded message failed validation | caused by: invalid MetadataQuery.KeyQuery: embedded message failed validation | caused by: invalid MetadataKeyQuery.Method: value must be one of the defined enum values",
        ),
      );
    });
  });
});
