// Byte-exact values and the size limits of keys and values, over every protocol.
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { useEmulator } from "./support/emulator.js";
import { clientsAs, expectBytes, expectZitadelError, protocols } from "./support/protocols.js";

/** Every byte value, including sequences that are not valid UTF-8. */
function awkwardBytes(): Uint8Array {
  const bytes = new Uint8Array(512);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) % 256;
  bytes.set([0xff, 0xfe, 0x00, 0xc3, 0x28, 0xa0, 0xa1, 0xed, 0xa0, 0x80], 0);
  return bytes;
}

describe.each(protocols)("values and limits over %s", (protocol) => {
  const emulator = useEmulator();
  const admin = () => clientsAs(emulator(), protocol, "acme-admin").mgmt;
  const alice = () => emulator().user("alice").id;

  it("non-UTF-8 bytes round-trip exactly through set, get, list, bulk and the auth API", async () => {
    const value = awkwardBytes();
    await admin().setUserMetadata({ id: alice(), key: "bin", value });
    expectBytes((await admin().getUserMetadata({ id: alice(), key: "bin" })).metadata?.value, value);
    await admin().bulkSetUserMetadata({ id: alice(), metadata: [{ key: "bin2", value: value.slice().reverse() }] });
    const listed = await admin().listUserMetadata({ id: alice(), query: { asc: true } });
    expectBytes(listed.result.find((m) => m.key === "bin")?.value, value);
    expectBytes(listed.result.find((m) => m.key === "bin2")?.value, value.slice().reverse());
    const { auth } = clientsAs(emulator(), protocol, "alice");
    expectBytes((await auth.getMyMetadata({ key: "bin" })).metadata?.value, value);
    await admin().setOrgMetadata({ key: "bin", value });
    expectBytes((await admin().getOrgMetadata({ key: "bin" })).metadata?.value, value);
  });

  it("keys of 200 characters are accepted, 201 rejected (characters, not bytes)", async () => {
    const key200 = "ü".repeat(200); // 400 bytes in UTF-8, still 200 characters
    await admin().setUserMetadata({ id: alice(), key: key200, value: new Uint8Array([1]) });
    expect((await admin().getUserMetadata({ id: alice(), key: key200 })).metadata?.key).toBe(key200);
    await expectZitadelError(admin().setUserMetadata({ id: alice(), key: `${key200}x`, value: new Uint8Array([1]) }), {
      code: Code.InvalidArgument,
      text: "invalid SetUserMetadataRequest.Key: value length must be between 1 and 200 runes, inclusive",
    });
    await expectZitadelError(admin().setOrgMetadata({ key: "k".repeat(201), value: new Uint8Array([1]) }), {
      code: Code.InvalidArgument,
      text: "invalid SetOrgMetadataRequest.Key: value length must be between 1 and 200 runes, inclusive",
    });
  });

  it("values of 500000 bytes are accepted, 500001 rejected", async () => {
    const big = new Uint8Array(500_000).map((_, i) => i % 251);
    await admin().setUserMetadata({ id: alice(), key: "big", value: big });
    expectBytes((await admin().getUserMetadata({ id: alice(), key: "big" })).metadata?.value, big);
    const tooBig = new Uint8Array(500_001);
    await expectZitadelError(admin().setUserMetadata({ id: alice(), key: "big", value: tooBig }), {
      code: Code.InvalidArgument,
      text: "invalid SetUserMetadataRequest.Value: value length must be between 1 and 500000 bytes, inclusive",
    });
    await expectZitadelError(admin().setOrgMetadata({ key: "big", value: tooBig }), {
      code: Code.InvalidArgument,
      text: "invalid SetOrgMetadataRequest.Value: value length must be between 1 and 500000 bytes, inclusive",
    });
    // The rejected write left the stored value alone.
    expectBytes((await admin().getUserMetadata({ id: alice(), key: "big" })).metadata?.value, big);
  });
});
