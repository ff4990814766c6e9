// The emulator's opt-in realism (quirks) and a client that stays exact
// against it: translated error texts, the v4.11–v4.13 error-conversion bug,
// and a row order that changes on every list query.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../src/emulator/index.js";
import {
  createManagementClient,
  createMetadataClient,
  getErrorDetail,
  isMetadataNotFound,
  isPermissionDenied,
  isUnauthenticated,
  isUserNotFound,
  ZitadelError,
} from "../src/index.js";
import { testSeed, useEmulator } from "./support/emulator.js";
import { clientsAs, expectZitadelError, protocols, rawTransport, utf8 } from "./support/protocols.js";

const thrownBy = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (e: unknown) => e,
  );

describe.each(protocols)('errorLanguage "pseudo" over %s', (protocol) => {
  const emulator = useEmulator({ quirks: { errorLanguage: "pseudo" } });
  const admin = () => clientsAs(emulator(), protocol, "acme-admin").mgmt;

  it("translates the handlers' texts and keeps the (ID) suffix and the ErrorDetail id", async () => {
    const alice = emulator().user("alice").id;
    await expectZitadelError(admin().getUserMetadata({ id: alice, key: "absent" }), {
      code: Code.NotFound,
      id: "QUERY-Rgh32",
      text: "Mëtädätä nöt föünd",
    });
    await expectZitadelError(admin().removeOrgMetadata({ key: "absent" }), { code: Code.NotFound, id: "META-mcnw3", text: "Mëtädätä nöt föünd" });
    await expectZitadelError(admin().setUserMetadata({ id: emulator().user("bob").id, key: "k", value: utf8("v") }), {
      code: Code.FailedPrecondition,
      id: "COMMAND-uXHNj",
      text: "Üsër cöüld nöt bë föünd",
    });
  });

  it("leaves authentication, permission and validation errors as they are", async () => {
    await expectZitadelError(clientsAs(emulator(), protocol, "acme-viewer").mgmt.setOrgMetadata({ key: "k", value: utf8("v") }), {
      code: Code.PermissionDenied,
      id: "AUTH-5mWD2",
      text: "No matching permissions found",
    });
    await expectZitadelError(admin().getOrgMetadata({ key: "" }), {
      code: Code.InvalidArgument,
      text: "invalid GetOrgMetadataRequest.Key: value length must be between 1 and 200 runes, inclusive",
    });
  });

  it("the predicates and the high-level API go by id and code only", async () => {
    const md = createMetadataClient(clientsAs(emulator(), protocol, "acme-admin").transport);
    const alice = emulator().user("alice").id;
    expect(await md.user(alice).get("absent")).toBeUndefined();
    expect(isMetadataNotFound(await thrownBy(md.user(alice).remove("absent")))).toBe(true);
    expect(isUserNotFound(await thrownBy(md.user(emulator().user("bob").id).set("k", "v")))).toBe(true);
  });
});

describe.each(protocols)("errorConversionBug over %s", (protocol) => {
  const emulator = useEmulator({ quirks: { errorConversionBug: true } });
  const admin = () => clientsAs(emulator(), protocol, "acme-admin").mgmt;

  it("sends validation failures as Unknown, with Go's status text, an empty id, and HTTP 500 over REST", async () => {
    const err = (await thrownBy(admin().getOrgMetadata({ key: "" }))) as ConnectError;
    expect(err).toBeInstanceOf(ConnectError);
    const original = "invalid GetOrgMetadataRequest.Key: value length must be between 1 and 200 runes, inclusive";
    expect({ code: err.code, message: err.rawMessage }).toEqual({
      code: Code.Unknown,
      message: `rpc error: code = InvalidArgument desc = ${original} ()`,
    });
    expect(getErrorDetail(err)?.id).toBe("");
    const wrapped = ZitadelError.from(err);
    expect({ code: wrapped.code, wireCode: wrapped.wireCode, id: wrapped.id }).toEqual({
      code: Code.InvalidArgument,
      wireCode: Code.Unknown,
      id: undefined,
    });
    expect(wrapped.httpStatus).toBe(protocol === "rest" ? 500 : undefined);
  });

  it('sends "auth header missing" as Unknown too; the client still sees Unauthenticated', async () => {
    const err = await thrownBy(createManagementClient(rawTransport(emulator(), protocol)).getOrgMetadata({ key: "k" }));
    expect((err as ConnectError).code).toBe(Code.Unknown);
    expect((err as ConnectError).rawMessage).toBe("rpc error: code = Unauthenticated desc = auth header missing ()");
    expect(isUnauthenticated(err)).toBe(true);
    expect(ZitadelError.from(err).code).toBe(Code.Unauthenticated);
  });

  it("leaves ZITADEL's own errors (with an id) alone", async () => {
    await expectZitadelError(admin().getOrgMetadata({ key: "absent" }), { code: Code.NotFound, id: "QUERY-Rph32", text: "Metadata not found" });
    const denied = await thrownBy(clientsAs(emulator(), protocol, "acme-viewer").mgmt.setOrgMetadata({ key: "k", value: utf8("v") }));
    expect(isPermissionDenied(denied)).toBe(true);
  });
});

describe("the quirks option", () => {
  it('listOrder "changing": two queries return the same rows in different orders', async () => {
    const emulator = await startEmulator({ seed: testSeed, quirks: { listOrder: "changing" } });
    try {
      const { mgmt } = clientsAs(emulator, "grpc", "acme-admin");
      await mgmt.bulkSetOrgMetadata({ metadata: Array.from({ length: 60 }, (_, i) => ({ key: `o.${i}`, value: utf8("v") })) });
      const first = (await mgmt.listOrgMetadata({})).result.map((m) => m.key);
      const second = (await mgmt.listOrgMetadata({})).result.map((m) => m.key);
      expect(first).not.toEqual(second);
      expect([...first].sort()).toEqual([...second].sort());
    } finally {
      await emulator.close();
    }
  });

  it("refuses unknown values, naming the quirk", async () => {
    await expect(startEmulator({ quirks: { listOrder: "sorted" as "storage" } })).rejects.toThrow(
      /option "quirks": "listOrder" must be "storage" or "changing", got "sorted"/,
    );
    await expect(startEmulator({ quirks: { errorLanguage: "de" as "en" } })).rejects.toThrow(/"errorLanguage" must be "en" or "pseudo"/);
  });
});
