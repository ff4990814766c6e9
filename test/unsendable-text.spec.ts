// Text ZITADEL cannot take as it is (U+0000; lone surrogates, which UTF-8
// encoders turn into U+FFFD) is refused before sending, on every protocol,
// by the high-level API and by the interceptor under the generated clients.
import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { createManagementClient, createMetadataClient, createZitadelTransport } from "../src/index.js";
import { useEmulator } from "./support/emulator.js";
import { protocols, utf8 } from "./support/protocols.js";

describe.each(protocols)("unsendable text over %s", (protocol) => {
  const emulator = useEmulator();
  let sent = 0;
  // Runs inside the ZITADEL interceptor: it only sees calls that interceptor let through.
  const counter: Interceptor = (next) => (req) => {
    sent++;
    return next(req);
  };
  const transport = () => createZitadelTransport({ baseUrl: emulator().url, protocol, auth: emulator().user("acme-admin").token, interceptors: [counter] });

  it("the high-level API refuses keys with U+0000 or a lone surrogate before the first request", async () => {
    sent = 0;
    const user = createMetadataClient(transport()).user(emulator().user("alice").id);
    await expect(user.set("a\u0000b", "v")).rejects.toThrow(/metadata key "a\\u0000b" contains U\+0000 at position 1, which ZITADEL cannot store/);
    await expect(user.get("\ud800x")).rejects.toThrow(/contains a lone surrogate \(U\+D800\) at position 0, which is not Unicode/);
    await expect(user.setMany({ ok: "1", "bad\u0000": "2" })).rejects.toThrow(/U\+0000/);
    await expect(user.removeMany(["ok", "x\udc00"])).rejects.toThrow(/lone surrogate \(U\+DC00\)/);
    expect(sent).toBe(0);
  });

  it("the generated clients are refused by the interceptor, naming the field", async () => {
    sent = 0;
    const mgmt = createManagementClient(transport());
    const id = emulator().user("alice").id;
    const refusal = (call: Promise<unknown>) =>
      call.then(
        () => undefined,
        (e: unknown) => e as ConnectError,
      );
    const nul = await refusal(mgmt.setUserMetadata({ id, key: "k\u0000", value: utf8("v") }));
    expect(nul).toBeInstanceOf(ConnectError);
    expect(nul!.code).toBe(Code.InvalidArgument);
    expect(nul!.rawMessage).toBe(
      'SetUserMetadata: request field "key" contains U+0000 at position 1, which ZITADEL cannot store (PostgreSQL text cannot hold it); remove that character.',
    );
    const bulk = await refusal(
      mgmt.bulkSetUserMetadata({
        id,
        metadata: [
          { key: "fine", value: utf8("v") },
          { key: "\ud83d", value: utf8("v") },
        ],
      }),
    );
    expect(bulk!.rawMessage).toMatch(/^BulkSetUserMetadata: request field "metadata\[1\]\.key" contains a lone surrogate \(U\+D83D\)/);
    const query = await refusal(mgmt.listUserMetadata({ id, queries: [{ query: { case: "keyQuery", value: { key: "\u0000", method: 0 } } }] }));
    expect(query!.rawMessage).toMatch(/request field "queries\[0\]\.query\.keyQuery\.key" contains U\+0000/);
    expect(sent).toBe(0);
    // A valid surrogate pair (an emoji) is fine.
    await mgmt.setUserMetadata({ id, key: "emoji.\ud83d\ude00", value: utf8("v") });
    expect(sent).toBe(1);
  });
});
