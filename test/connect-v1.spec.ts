// The Connect protocol on ZITADEL's v1 services: not served by ZITADEL, so
// refused by our clients before anything is sent, unless both sides opt in:
// startEmulator({ connectV1: true }) and the transport option connectV1: true.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import type { ConnectError, UnaryRequest } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetOrgMetadataRequestSchema } from "../gen/zitadel/management_pb.js";
import { startEmulator } from "../src/emulator/index.js";
import { createAuthClient, createManagementClient, createMetadataClient, createZitadelTransport, isMetadataNotFound, ZitadelError } from "../src/index.js";
import { createConnectV1Guard, isZitadelV1Service } from "../src/transport/connect-v1-guard.js";
import * as webEntry from "../src/web.js";
import { useEmulator } from "./support/emulator.js";
import { rejection, thrownBy } from "./support/failures.js";
import { clientsAs, expectBytes, expectZitadelError, rawTransport, utf8 } from "./support/protocols.js";
import { frame, http1, http2Request } from "./support/raw-http.js";

const refusal = /ZITADEL does not serve its v1 APIs over the Connect protocol\. Use protocol "grpc", "grpc-web" or "rest".*connectV1: true/;

/** An HTTP server that counts every request it gets, whatever it is. */
function useCountingServer() {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(404).end();
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
  };
}

describe("protocol connect without connectV1: refused before sending", () => {
  const server = useCountingServer();
  let tokenRequests = 0;
  const auth = async () => {
    tokenRequests++;
    return "tok";
  };

  async function expectRefused(call: Promise<unknown>) {
    const before = { requests: server.requests(), tokens: tokenRequests };
    const err = await rejection(call);
    expect(err.code).toBe(Code.Unimplemented);
    expect(err.rawMessage).toMatch(refusal);
    // Nothing reached the server, and no token was even asked for.
    expect({ requests: server.requests(), tokens: tokenRequests }).toEqual(before);
    return err;
  }

  it("the Node transport, for ManagementService and AuthService", async () => {
    const transport = createZitadelTransport({ baseUrl: server.url(), protocol: "connect", auth });
    const err = await expectRefused(createManagementClient(transport).getOrgMetadata({ key: "k" }));
    expect(err.rawMessage).toMatch(/^zitadel\.management\.v1\.ManagementService\/GetOrgMetadata: /);
    await expectRefused(createAuthClient(transport).listMyMetadata({}));
  });

  it("the web entry: createZitadelTransport and createZitadelConnectTransport", async () => {
    const options = { baseUrl: server.url(), auth };
    await expectRefused(createManagementClient(webEntry.createZitadelTransport({ ...options, protocol: "connect" })).getOrgMetadata({ key: "k" }));
    await expectRefused(createAuthClient(webEntry.createZitadelConnectTransport(options)).getMyMetadata({ key: "k" }));
  });

  it("the high-level API wraps the refusal in a ZitadelError", async () => {
    const md = createMetadataClient(createZitadelTransport({ baseUrl: server.url(), protocol: "connect", auth }));
    const before = server.requests();
    const err = await md
      .org()
      .get("k")
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ZitadelError);
    expect((err as ZitadelError).code).toBe(Code.Unimplemented);
    expect((err as ZitadelError).rawMessage).toMatch(refusal);
    expect(server.requests()).toBe(before);
  });

  it("a caller's own interceptors never see a refused call (the guard runs first)", async () => {
    const seen: string[] = [];
    const transport = createZitadelTransport({
      baseUrl: server.url(),
      protocol: "connect",
      auth,
      interceptors: [
        (next) => (req) => {
          seen.push(req.method.name);
          return next(req);
        },
      ],
    });
    await expectRefused(createManagementClient(transport).setOrgMetadata({ key: "k", value: utf8("v") }));
    expect(seen).toEqual([]);
  });

  it("the guard lets other services through: ZITADEL's v2 APIs do speak Connect", async () => {
    expect(isZitadelV1Service("zitadel.management.v1.ManagementService")).toBe(true);
    expect(isZitadelV1Service("zitadel.auth.v1.AuthService")).toBe(true);
    expect(isZitadelV1Service("zitadel.user.v2.UserService")).toBe(false);
    expect(isZitadelV1Service("zitadel.org.v2beta.OrganizationService")).toBe(false);
    const passed: string[] = [];
    const guard = createConnectV1Guard()(async (req) => {
      passed.push(req.service.typeName);
      return undefined as never;
    });
    await guard({ service: { typeName: "zitadel.user.v2.UserService" }, method: { name: "SetUserMetadata" } } as UnaryRequest);
    expect(passed).toEqual(["zitadel.user.v2.UserService"]);
  });
});

describe("the connectV1 options", () => {
  it("are refused where they cannot apply, with a message that says what to do", async () => {
    const base = { baseUrl: "https://acme.zitadel.cloud", auth: "tok" };
    for (const protocol of ["grpc", "grpc-web", "rest"] as const) {
      expect(() => createZitadelTransport({ ...base, protocol, connectV1: true }), protocol).toThrow(
        new RegExp(`option "connectV1" applies to protocol "connect" only .*drop it for protocol "${protocol}"`),
      );
    }
    expect(() => createZitadelTransport({ ...base, protocol: "connect", connectV1: "yes" as unknown as boolean })).toThrow(
      /option "connectV1" must be true or false/,
    );
    // @ts-expect-error connectV1 is not an option of gRPC-web, for the compiler too
    expect(() => webEntry.createZitadelGrpcWebTransport({ ...base, connectV1: true })).toThrow(
      /^createZitadelGrpcWebTransport: option "connectV1" applies to protocol "connect" only/,
    );
    expect(thrownBy(() => createZitadelTransport({ ...base, protocol: "connect", connectV1: false }))).toBeUndefined();
    await expect(startEmulator({ connectV1: 1 as unknown as boolean })).rejects.toThrow(/startEmulator: connectV1 must be true or false/);
  });
});

describe("connectV1: true against the default emulator (as against ZITADEL)", () => {
  const emulator = useEmulator();
  it("is sent, and answered with the REST gateway's 404: Unimplemented", async () => {
    const { mgmt } = clientsAs(emulator(), "connect", "acme-admin", { connectV1: true });
    const err = await rejection(mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.Unimplemented);
    // connect-node reads the gateway's {"code":5,"message":"Not Found"}; HTTP 404 means Unimplemented in Connect.
    expect(err.rawMessage).toBe("Not Found");
  });
});

const variants = [
  { name: "JSON over HTTP/1.1", options: {} },
  { name: "JSON over HTTP/2", options: { httpVersion: "2" as const } },
  { name: "binary over HTTP/1.1", options: { useBinaryFormat: true } },
  { name: "binary over HTTP/2", options: { useBinaryFormat: true, httpVersion: "2" as const } },
];

describe.each(variants)("Connect on v1 with both opt-ins, $name", ({ options }) => {
  const emulator = useEmulator({ connectV1: true });
  const as = (userName: string, extra: Parameters<typeof clientsAs>[3] = {}) =>
    clientsAs(emulator(), "connect", userName, { connectV1: true, ...options, ...extra });

  it("writes and reads bytes that are not UTF-8, lists, removes", async () => {
    const { mgmt } = as("acme-admin");
    const alice = emulator().user("alice").id;
    const value = new Uint8Array([0xff, 0x00, 0xfe, 0xc3, 0x28]);
    await mgmt.setUserMetadata({ id: alice, key: "c.bytes", value });
    expectBytes((await mgmt.getUserMetadata({ id: alice, key: "c.bytes" })).metadata?.value, value);
    const { auth } = as("alice");
    expect((await auth.listMyMetadata({})).result.map((m) => m.key)).toContain("c.bytes");
    await mgmt.removeUserMetadata({ id: alice, key: "c.bytes" });
  });

  it("errors carry ZITADEL's code, message and ErrorDetail; missing auth has none", async () => {
    const { mgmt } = as("acme-admin");
    await expectZitadelError(mgmt.getOrgMetadata({ key: "missing" }), { code: Code.NotFound, id: "QUERY-Rph32", text: "Metadata not found" });
    const raw = createManagementClient(rawTransport(emulator(), "connect"));
    await expectZitadelError(raw.getOrgMetadata({ key: "k" }), { code: Code.Unauthenticated, text: "auth header missing" });
  });

  it("deadlines reach the server", async () => {
    emulator().faults.latencyMs = 30_000;
    try {
      const { mgmt } = as("acme-admin");
      const started = Date.now();
      expect((await rejection(mgmt.getOrgMetadata({ key: "k" }, { timeoutMs: 100 }))).code).toBe(Code.DeadlineExceeded);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      emulator().faults.latencyMs = 0;
    }
  });

  it("the high-level API works over it", async () => {
    const md = createMetadataClient(
      createZitadelTransport({
        baseUrl: emulator().url,
        protocol: "connect",
        connectV1: true,
        auth: emulator().user("acme-admin").token,
        ...options,
      }),
    );
    await md.org().set("c.high", "level");
    expect((await md.org().get("c.high"))?.text()).toBe("level");
    const err = await md
      .org()
      .remove("c.none")
      .catch((e: unknown) => e);
    expect(isMetadataNotFound(err)).toBe(true);
  });
});

describe("the opt-in emulator's Connect handler", () => {
  const emulator = useEmulator({ connectV1: true });
  const url = (rpc: string) => `${emulator().url}/zitadel.management.v1.ManagementService/${rpc}`;
  const headers = () => ({
    authorization: `Bearer ${emulator().user("acme-admin").token}`,
    "content-type": "application/json",
    "connect-protocol-version": "1",
  });

  /** A SetOrgMetadata JSON body whose key holds the raw byte 0xff, which is not UTF-8. */
  const invalidUtf8Body = Buffer.concat([Buffer.from('{"key":"bad'), Buffer.from([0xff]), Buffer.from('key","value":"dg=="}')]);

  async function expectRefusedAsInvalidUtf8(send: () => Promise<{ status: number; body: Buffer }>) {
    const before = emulator().store.metadataEvents();
    const res = await send();
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body.toString("utf8")) as { code: string; message: string };
    expect(body.code).toBe("invalid_argument");
    expect(body.message).toMatch(/not valid UTF-8.*send JSON as UTF-8/);
    // Nothing stored, not even a key with U+FFFD in it.
    expect(emulator().store.metadataEvents()).toBe(before);
  }

  it("refuses invalid UTF-8 in a JSON body with 400 invalid_argument and stores nothing (HTTP/1.1 and HTTP/2, gzip too)", async () => {
    await expectRefusedAsInvalidUtf8(() => http1(url("SetOrgMetadata"), { headers: headers(), body: invalidUtf8Body }));
    await expectRefusedAsInvalidUtf8(() => http2Request(url("SetOrgMetadata"), { headers: headers(), body: invalidUtf8Body }));
    const zipped = await promisify(gzip)(invalidUtf8Body);
    await expectRefusedAsInvalidUtf8(() => http1(url("SetOrgMetadata"), { headers: { ...headers(), "content-encoding": "gzip" }, body: zipped }));
    // The same body with valid UTF-8 is stored with exactly that key.
    const valid = await http1(url("SetOrgMetadata"), { headers: headers(), body: '{"key":"goodkey\u00e9","value":"dg=="}' });
    expect(valid.status).toBe(200);
    expect(emulator().store.orgs.get(emulator().org("acme").id)?.metadata.has("goodkey\u00e9")).toBe(true);
  });

  it("answers Connect GET with 405: no v1 RPC is marked free of side effects, which Connect GET needs", async () => {
    await http1(url("SetOrgMetadata"), { headers: headers(), body: '{"key":"via-get","value":"dg=="}' });
    const message = encodeURIComponent('{"key":"via-get"}');
    const res = await http1(`${url("GetOrgMetadata")}?connect=v1&encoding=json&message=${message}`, {
      method: "GET",
      headers: { authorization: headers().authorization },
    });
    expect(res.status).toBe(405);
  });

  it("leaves the other protocols as they are: gRPC-web trailers-only, REST routes, the gateway's 404", async () => {
    const grpcWeb = await http1(url("GetOrgMetadata"), {
      headers: { authorization: headers().authorization, "content-type": "application/grpc-web+proto" },
      body: frame(toBinary(GetOrgMetadataRequestSchema, create(GetOrgMetadataRequestSchema, { key: "missing" }))),
    });
    expect([grpcWeb.status, grpcWeb.headers["grpc-status"], grpcWeb.body.length]).toEqual([200, String(Code.NotFound), 0]);
    const rest = await http1(`${emulator().url}/management/v1/metadata/via-get`, { method: "GET", headers: { authorization: headers().authorization } });
    expect(rest.status).toBe(200);
    const unknown = await http1(`${emulator().url}/zitadel.management.v1.ManagementService/NoSuchRpc`, { headers: headers(), body: "{}" });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString("utf8"))).toMatchObject({ code: 5, message: "Not Found" });
  });

  it("the web entry's Connect transport, with connectV1, round-trips bytes", async () => {
    const transport = webEntry.createZitadelConnectTransport({
      baseUrl: emulator().url,
      auth: emulator().user("acme-admin").token,
      connectV1: true,
    });
    const md = webEntry.createMetadataClient(transport);
    await md.org().set("c.web", new Uint8Array([0xff, 0, 1]));
    expect([...((await md.org().get("c.web"))?.value ?? [])]).toEqual([0xff, 0, 1]);
  });
});

describe("gRPC-web with JSON against v1", () => {
  const emulator = useEmulator();

  it("is refused before sending: ZITADEL's v1 gRPC server takes binary only (it would answer Internal)", async () => {
    let sent = 0;
    const transport = createZitadelTransport({
      baseUrl: emulator().url,
      protocol: "grpc-web",
      useBinaryFormat: false,
      auth: emulator().user("acme-admin").token,
      interceptors: [
        (next) => (req) => {
          sent++;
          return next(req);
        },
      ],
    });
    const err = await createManagementClient(transport)
      .getOrgMetadata({ key: "k" })
      .then(
        () => undefined,
        (e: unknown) => e as ConnectError,
      );
    expect(err?.code).toBe(Code.Unimplemented);
    expect(err?.rawMessage).toMatch(/ZITADEL's v1 gRPC server takes binary messages only, so gRPC-web with JSON \(useBinaryFormat: false\) fails there/);
    expect(sent).toBe(0);
    // Binary gRPC-web (the default) goes through.
    const binary = createZitadelTransport({ baseUrl: emulator().url, protocol: "grpc-web", auth: emulator().user("acme-admin").token });
    await expect(createManagementClient(binary).setOrgMetadata({ key: "k", value: new Uint8Array([1]) })).resolves.toBeDefined();
  });
});
