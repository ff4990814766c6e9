// The transport and its interceptor: headers, deadlines, cancellation, HTTP
// versions, and options that are refused before anything is sent.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessToken, createManagementClient, createZitadelTransport, withOrgId } from "../src/index.js";
import { useEmulator } from "./support/emulator.js";
import { thrownBy } from "./support/failures.js";
import { clientsAs, expectBytes, protocols, utf8 } from "./support/protocols.js";

describe.each(protocols)("deadlines and cancellation over %s", (protocol) => {
  const emulator = useEmulator();

  it("a per-call timeoutMs ends a slow call with DeadlineExceeded", async () => {
    emulator().faults.latencyMs = 30_000;
    try {
      const { mgmt } = clientsAs(emulator(), protocol, "acme-admin");
      const started = Date.now();
      const err = await mgmt.getOrgMetadata({ key: "k" }, { timeoutMs: 100 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      emulator().faults.latencyMs = 0;
    }
  });

  it("the transport's defaultTimeoutMs applies to calls that set none", async () => {
    emulator().faults.latencyMs = 30_000;
    try {
      const { mgmt } = clientsAs(emulator(), protocol, "acme-admin", { defaultTimeoutMs: 100 });
      const err = await mgmt.getOrgMetadata({ key: "k" }).catch((e: unknown) => e);
      expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
    } finally {
      emulator().faults.latencyMs = 0;
    }
  });

  it("an AbortSignal cancels a call in flight", async () => {
    emulator().faults.latencyMs = 30_000;
    try {
      const { mgmt } = clientsAs(emulator(), protocol, "acme-admin");
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 50);
      const err = await mgmt.getOrgMetadata({ key: "k" }, { signal: controller.signal }).catch((e: unknown) => e);
      expect((err as ConnectError).code).toBe(Code.Canceled);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      emulator().faults.latencyMs = 0;
    }
  });

  it("an async token source is asked per call and receives the call's signal", async () => {
    const signals: AbortSignal[] = [];
    const token = emulator().user("acme-admin").token;
    const { mgmt } = clientsAs(emulator(), protocol, "acme-admin", {
      auth: async (signal) => {
        signals.push(signal);
        return token;
      },
    });
    await mgmt.setOrgMetadata({ key: "via-function", value: utf8("1") });
    await mgmt.getOrgMetadata({ key: "via-function" });
    expect(signals).toHaveLength(2);
    expect(signals[0]).toBeInstanceOf(AbortSignal);
  });
});

// Connect over HTTP/2 and in binary: test/connect-v1.spec.ts, against an emulator started with connectV1.
describe("grpc-web over HTTP/2 (h2c)", () => {
  const emulator = useEmulator();
  it("round-trips a value", async () => {
    const { mgmt } = clientsAs(emulator(), "grpc-web", "acme-admin", { httpVersion: "2" });
    await mgmt.setOrgMetadata({ key: "h2", value: new Uint8Array([0, 255]) });
    expectBytes((await mgmt.getOrgMetadata({ key: "h2" })).metadata?.value, new Uint8Array([0, 255]));
  });
});

/** A plain HTTP server that records the headers of every request it gets. */
function useRecordingServer() {
  const seen: Record<string, string | string[] | undefined>[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { "content-type": "application/grpc-web+proto", "grpc-status": "12" });
    res.end();
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    seen,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
}

describe("the interceptor's headers", () => {
  const recorder = useRecordingServer();
  const client = (options: { auth?: Parameters<typeof createZitadelTransport>[0]["auth"]; orgId?: string }) =>
    createManagementClient(
      createZitadelTransport({
        baseUrl: recorder.url(),
        protocol: "grpc-web",
        auth: options.auth ?? "tok",
        orgId: options.orgId,
      }),
    );

  it("sends authorization: Bearer and the default org, and a per-call org instead when given", async () => {
    recorder.seen.length = 0;
    await client({ orgId: "111" })
      .getOrgMetadata({ key: "k" })
      .catch(() => undefined);
    await client({ orgId: "111" })
      .getOrgMetadata({ key: "k" }, { contextValues: withOrgId("222") })
      .catch(() => undefined);
    await client({})
      .getOrgMetadata({ key: "k" })
      .catch(() => undefined);
    expect(recorder.seen.map((h) => [h.authorization, h["x-zitadel-orgid"]])).toEqual([
      ["Bearer tok", "111"],
      ["Bearer tok", "222"],
      ["Bearer tok", undefined],
    ]);
  });

  it("leaves headers the caller set on the call alone", async () => {
    recorder.seen.length = 0;
    await client({ orgId: "111" })
      .getOrgMetadata({ key: "k" }, { headers: { authorization: "Bearer mine", "x-zitadel-orgid": "333" } })
      .catch(() => undefined);
    expect([recorder.seen[0]?.authorization, recorder.seen[0]?.["x-zitadel-orgid"]]).toEqual(["Bearer mine", "333"]);
  });

  it("refuses CR, LF and other invisible characters in options, naming the option and never the value", () => {
    const secret = "s3cr3t-token";
    const cases: [() => unknown, RegExp][] = [
      [() => client({ auth: `${secret}\n` }), /option "auth".*line break/],
      [() => client({ auth: `${secret}\r\nx-evil: 1` }), /option "auth".*line break/],
      [() => client({ auth: `Bearer ${secret}` }), /option "auth".*space.*without the "Bearer " prefix/],
      [() => client({ auth: `${secret}\u0000` }), /option "auth".*control character/],
      [() => client({ auth: "" }), /option "auth".*empty/],
      [() => client({ orgId: "123\n" }), /option "orgId".*line break/],
      [() => client({ orgId: "12 3" }), /option "orgId".*space/],
      [() => withOrgId("1\r2"), /withOrgId\(orgId\).*line break/],
      [() => accessToken(`${secret}\n`), /accessToken\(token\).*line break/],
    ];
    for (const [make, message] of cases) {
      const thrown = thrownBy(make);
      expect(thrown).toBeInstanceOf(TypeError);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).not.toContain(secret);
    }
  });

  it("a token source that returns a bad token fails the call before anything is sent", async () => {
    recorder.seen.length = 0;
    const err = await client({ auth: async () => "s3cr3t\n" })
      .getOrgMetadata({ key: "k" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).rawMessage).toMatch(/token returned by option "auth".*line break/);
    expect((err as ConnectError).rawMessage).not.toContain("s3cr3t");
    expect(recorder.seen).toHaveLength(0);
  });

  it("accessToken() hides the token from JSON and inspection", async () => {
    const { inspect } = await import("node:util");
    const source = accessToken("s3cr3t");
    expect(JSON.stringify({ source })).not.toContain("s3cr3t");
    expect(inspect(source)).not.toContain("s3cr3t");
  });
});

describe("transport options", () => {
  it("refuses bad options with a message that says what to do", () => {
    const base = { baseUrl: "https://acme.zitadel.cloud", protocol: "grpc" as const, auth: "tok" };
    expect(() => createZitadelTransport({ ...base, baseUrl: "acme.zitadel.cloud" })).toThrow(/absolute URL/);
    expect(() => createZitadelTransport({ ...base, baseUrl: "ftp://x" })).toThrow(/https:\/\//);
    expect(() => createZitadelTransport({ ...base, protocol: "grpcweb" as "grpc" })).toThrow(/"grpc", "grpc-web", "connect"/);
    expect(() => createZitadelTransport({ ...base, auth: undefined as unknown as string })).toThrow(/"auth" is missing/);
    expect(() => createZitadelTransport({ ...base, httpVersion: "1.1" })).toThrow(/gRPC needs HTTP\/2/);
    expect(() => createZitadelTransport({ ...base, fetch: globalThis.fetch })).toThrow(/"fetch" applies to protocol "rest" only/);
    expect(() => createZitadelTransport({ ...base, useBinaryFormat: false })).toThrow(/gRPC is binary protobuf only/);
    expect(() => createZitadelTransport({ ...base, protocol: "rest", binaryOptions: {} })).toThrow(/"rest" speaks JSON only, so "binaryOptions"/);
    expect(() => createZitadelTransport({ ...base, baseUrl: "https://user:pw@acme.zitadel.cloud" })).toThrow(/must not contain a user name or password/);
    expect(() => createZitadelTransport({ ...base, baseUrl: "https://acme.zitadel.cloud/?x=1" })).toThrow(/must not have a query or fragment/);
    for (const defaultTimeoutMs of [-1, Number.NaN, 2 ** 31, 1.5, Number.NEGATIVE_INFINITY]) {
      expect(() => createZitadelTransport({ ...base, defaultTimeoutMs }), String(defaultTimeoutMs)).toThrow(
        /option "defaultTimeoutMs" must be a whole number of milliseconds from 1 to 2147483647, or 0 or Infinity for no deadline/,
      );
    }
    // 0 and Infinity ask for no deadline, explicitly.
    for (const defaultTimeoutMs of [0, Number.POSITIVE_INFINITY]) expect(() => createZitadelTransport({ ...base, defaultTimeoutMs })).not.toThrow();
  });

  it("takes connectTimeoutMs for HTTP/2 on every protocol (Infinity for none), refuses a value no timer can take, and refuses it over HTTP/1.1", () => {
    const base = { baseUrl: "https://acme.zitadel.cloud", auth: "tok" };
    for (const connectTimeoutMs of [1, 5_000, 2 ** 31 - 1, Number.POSITIVE_INFINITY]) {
      expect(() => createZitadelTransport({ ...base, protocol: "grpc", connectTimeoutMs })).not.toThrow();
      for (const protocol of ["grpc-web", "connect", "rest"] as const) {
        expect(() => createZitadelTransport({ ...base, protocol, httpVersion: "2", connectTimeoutMs }), protocol).not.toThrow();
      }
    }
    for (const connectTimeoutMs of [0, -1, Number.NaN, 2 ** 31, 1.5, "5000"]) {
      expect(() => createZitadelTransport({ ...base, protocol: "grpc", connectTimeoutMs: connectTimeoutMs as number }), String(connectTimeoutMs)).toThrow(
        /createZitadelTransport: option "connectTimeoutMs" must be a whole number of milliseconds from 1 to 2147483647, or Infinity for none, got .*; leave it out for the default of 20 s\./,
      );
    }
    expect(() => createZitadelTransport({ ...base, protocol: "grpc-web", connectTimeoutMs: 5_000 })).toThrow(
      /option "connectTimeoutMs" is a setting of HTTP\/2 connections, and this transport uses HTTP\/1\.1; set httpVersion: "2"/,
    );
    expect(() => createZitadelTransport({ ...base, protocol: "rest", httpVersion: "2", fetch: globalThis.fetch, connectTimeoutMs: 5_000 })).toThrow(/"fetch"/);
  });
});

describe("a custom fetch for REST", () => {
  const emulator = useEmulator();
  it("is used for every call", async () => {
    const urls: string[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      urls.push(String(input));
      return globalThis.fetch(input, init);
    };
    const { mgmt } = clientsAs(emulator(), "rest", "acme-admin", { fetch });
    await mgmt.setOrgMetadata({ key: "via-fetch", value: utf8("1") });
    expect(urls).toEqual([`${emulator().url}/management/v1/metadata/via-fetch`]);
  });
});
