// Organization scoping and the org header, over every protocol.
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { withOrgId } from "../src/index.js";
import { useEmulator } from "./support/emulator.js";
import { clientsAs, expectBytes, expectZitadelError, protocols, utf8 } from "./support/protocols.js";

describe.each(protocols)("organization scoping over %s", (protocol) => {
  const emulator = useEmulator();
  const userNotFound = { code: Code.FailedPrecondition, id: "COMMAND-uXHNj", text: "User could not be found" };
  const membership = { code: Code.NotFound, id: "AUTHZ-cdgFk", text: "membership not found" };

  it("acme-admin cannot touch globex users or globex org metadata", async () => {
    const bob = emulator().user("bob");
    const globex = emulator().org("globex").id;
    const { mgmt } = clientsAs(emulator(), protocol, "acme-admin");
    await expectZitadelError(mgmt.setUserMetadata({ id: bob.id, key: "k", value: utf8("v") }), userNotFound);
    await expectZitadelError(mgmt.setUserMetadata({ id: bob.id, key: "k", value: utf8("v") }, { contextValues: withOrgId(globex) }), membership);
    await expectZitadelError(mgmt.setOrgMetadata({ key: "k", value: utf8("v") }, { contextValues: withOrgId(globex) }), membership);
    // acme-admin's own org metadata is untouched by those attempts, and globex's too.
    const globexAdmin = clientsAs(emulator(), protocol, "globex-admin").mgmt;
    expect((await globexAdmin.listOrgMetadata({})).result).toEqual([]);
    expect((await globexAdmin.listUserMetadata({ id: bob.id })).result).toEqual([]);
  });

  it("iam-admin reaches globex with the org header, and only with it", async () => {
    const bob = emulator().user("bob");
    const globex = emulator().org("globex").id;
    const { mgmt } = clientsAs(emulator(), protocol, "iam-admin");
    await expectZitadelError(mgmt.setUserMetadata({ id: bob.id, key: "iam", value: utf8("v") }), userNotFound);
    const inGlobex = { contextValues: withOrgId(globex) };
    const set = await mgmt.setUserMetadata({ id: bob.id, key: "iam", value: utf8("v") }, inGlobex);
    expect(set.details?.resourceOwner).toBe(globex);
    await mgmt.setOrgMetadata({ key: "set-by-iam", value: utf8("v") }, inGlobex);
    const globexAdmin = clientsAs(emulator(), protocol, "globex-admin").mgmt;
    expectBytes((await globexAdmin.getUserMetadata({ id: bob.id, key: "iam" })).metadata?.value, utf8("v"));
    expect((await globexAdmin.getOrgMetadata({ key: "set-by-iam" })).metadata?.details?.resourceOwner).toBe(globex);
    // Without the header iam-admin acts in its own org, acme, where the key does not exist.
    await expectZitadelError(mgmt.getOrgMetadata({ key: "set-by-iam" }), {
      code: Code.NotFound,
      id: "QUERY-Rph32",
      text: "Metadata not found",
    });
  });

  it("a per-call org overrides the transport's default org, and a caller's explicit header wins over both", async () => {
    const acme = emulator().org("acme").id;
    const globex = emulator().org("globex").id;
    const { mgmt } = clientsAs(emulator(), protocol, "iam-admin", { orgId: globex });
    await mgmt.setOrgMetadata({ key: "where", value: utf8("default-globex") });
    await mgmt.setOrgMetadata({ key: "where", value: utf8("override-acme") }, { contextValues: withOrgId(acme) });
    const read = async (orgId: string) =>
      new TextDecoder().decode((await mgmt.getOrgMetadata({ key: "where" }, { contextValues: withOrgId(orgId) })).metadata?.value);
    expect(await read(globex)).toBe("default-globex");
    expect(await read(acme)).toBe("override-acme");
    const explicit = await mgmt.getOrgMetadata({ key: "where" }, { contextValues: withOrgId(globex), headers: { "x-zitadel-orgid": acme } });
    expect(new TextDecoder().decode(explicit.metadata?.value)).toBe("override-acme");
  });

  it("alice is refused by the management API but reads her own metadata through the auth API", async () => {
    const alice = emulator().user("alice");
    await clientsAs(emulator(), protocol, "acme-admin").mgmt.setUserMetadata({ id: alice.id, key: "own", value: utf8("a") });
    const { mgmt, auth } = clientsAs(emulator(), protocol, "alice");
    await expectZitadelError(mgmt.getUserMetadata({ id: alice.id, key: "own" }), membership);
    await expectZitadelError(mgmt.listUserMetadata({ id: alice.id }), membership);
    expectBytes((await auth.getMyMetadata({ key: "own" })).metadata?.value, utf8("a"));
    // The auth API always reads the caller's own user, whatever org the header names.
    const globex = emulator().org("globex").id;
    const mine = await auth.listMyMetadata({}, { contextValues: withOrgId(globex) });
    expect(mine.result.map((m) => m.key)).toEqual(["own"]);
  });
});
