// The emulator's gRPC-web answers, byte for byte, over raw HTTP/1.1 and
// HTTP/2: ZITADEL's v1 gRPC-web is the improbable-eng wrapper around grpc-go,
// which sends a failed call "trailers-only" (HTTP 200, the status in the
// response headers, an empty body) and a success as one message frame and one
// trailer frame. Our clients are checked against the same shapes at the end.
import { fromBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { compressionGzip, createGrpcWebTransport } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import {
  GetOrgMetadataRequestSchema,
  GetOrgMetadataResponseSchema,
  GetUserMetadataRequestSchema,
  SetOrgMetadataRequestSchema,
} from "../gen/zitadel/management_pb.js";
import { percentEncodeGrpcMessage } from "../src/emulator/grpc-status.js";
import { createManagementClient, createZitadelInterceptor } from "../src/index.js";
import { useEmulator } from "./support/emulator.js";
import { rejection } from "./support/failures.js";
import type { RawRequest, RawResponse } from "./support/raw-http.js";
import { frame, framedMessage, http1, http2Request, parseFrames, statusDetails, trailerFields } from "./support/raw-http.js";
import { expectBytes, expectZitadelError, utf8 } from "./support/protocols.js";

const management = "/zitadel.management.v1.ManagementService";

const httpVersions = [
  ["HTTP/1.1", http1],
  ["HTTP/2", http2Request],
] as const;

describe.each(httpVersions)("gRPC-web over %s, raw", (_version, send) => {
  const log: string[] = [];
  const emulator = useEmulator({ log: (line) => log.push(line) });
  const token = () => emulator().user("acme-admin").token;
  const call = (rpc: string, body: Uint8Array | string, headers: Record<string, string> = {}): Promise<RawResponse> =>
    send(`${emulator().url}${management}/${rpc}`, {
      headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", authorization: `Bearer ${token()}`, ...headers },
      body,
    } satisfies RawRequest);

  /** The trailers-only shape: HTTP 200, the status in the headers, no body at all. */
  function expectTrailersOnly(res: RawResponse, code: Code, message: string) {
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/grpc-web+proto");
    expect(res.headers["grpc-status"]).toBe(String(code));
    expect(res.headers["grpc-message"]).toBe(percentEncodeGrpcMessage(message));
    expect(res.body.length).toBe(0);
    if (res.endedWithHeaders === undefined) {
      expect(res.headers["content-length"]).toBe("0");
    } else {
      // HTTP/2: one HEADERS frame that ends the stream; no DATA frame, no trailers.
      expect(res.endedWithHeaders).toBe(true);
      expect(res.trailers).toBeUndefined();
    }
  }

  it("a failed call is trailers-only: grpc-status, grpc-message and grpc-status-details-bin in the headers, an empty body", async () => {
    const alice = emulator().user("alice").id;
    const res = await call("GetUserMetadata", framedMessage(GetUserMetadataRequestSchema, { id: alice, key: "missing" }));
    expectTrailersOnly(res, Code.NotFound, "Metadata not found (QUERY-Rgh32)");
    // gRPC's percent-encoding leaves spaces and parentheses as they are.
    expect(res.headers["grpc-message"]).toBe("Metadata not found (QUERY-Rgh32)");
    expect(statusDetails(res.headers["grpc-status-details-bin"])).toEqual({
      code: Code.NotFound,
      message: "Metadata not found (QUERY-Rgh32)",
      details: [{ typeUrl: "type.googleapis.com/zitadel.v1.ErrorDetail", id: "QUERY-Rgh32", message: "Metadata not found" }],
    });
  });

  it("an error without an ErrorDetail has no grpc-status-details-bin", async () => {
    const res = await send(`${emulator().url}${management}/GetOrgMetadata`, {
      headers: { "content-type": "application/grpc-web+proto" },
      body: framedMessage(GetOrgMetadataRequestSchema, { key: "k" }),
    });
    expectTrailersOnly(res, Code.Unauthenticated, "auth header missing");
    expect(res.headers["grpc-status-details-bin"]).toBeUndefined();
  });

  it("a success is headers, one message frame, then one trailer frame with grpc-status 0", async () => {
    await call("SetOrgMetadata", framedMessage(SetOrgMetadataRequestSchema, { key: "wire", value: utf8("framed") }));
    const res = await call("GetOrgMetadata", framedMessage(GetOrgMetadataRequestSchema, { key: "wire" }));
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/grpc-web+proto");
    expect(res.headers["grpc-status"]).toBeUndefined();
    const frames = parseFrames(res.body);
    expect(frames.map((f) => f.flag)).toEqual([0x00, 0x80]);
    expectBytes(fromBinary(GetOrgMetadataResponseSchema, frames[0]!.bytes).metadata?.value, utf8("framed"));
    expect(trailerFields(frames[1]!.bytes)).toEqual({ "grpc-status": "0", "grpc-message": "" });
    if (res.endedWithHeaders !== undefined) expect(res.endedWithHeaders).toBe(false);
  });

  it("application/grpc-web-text: base64 in, base64 frames out; errors trailers-only", async () => {
    const text = { "content-type": "application/grpc-web-text" };
    const res = await call("GetOrgMetadata", framedMessage(GetOrgMetadataRequestSchema, { key: "wire" }).toString("base64"), text);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/grpc-web-text");
    // Padded base64 chunks one after another (one per frame here), as gRPC-web-text clients read them.
    const chunks = res.body.toString("latin1").match(/[A-Za-z0-9+/]+=*/g) ?? [];
    const frames = parseFrames(Buffer.concat(chunks.map((c) => Buffer.from(c, "base64"))));
    expect(frames.map((f) => f.flag)).toEqual([0x00, 0x80]);
    expect(trailerFields(frames[1]!.bytes)["grpc-status"]).toBe("0");
    const missing = await call("GetOrgMetadata", framedMessage(GetOrgMetadataRequestSchema, { key: "nope" }).toString("base64"), text);
    expect([missing.status, missing.headers["grpc-status"], missing.body.length]).toEqual([200, String(Code.NotFound), 0]);
  });

  it("grpc-timeout: a call slower than its deadline ends with DeadlineExceeded; a malformed value is Internal", async () => {
    // Far beyond the bound below: only the 200 ms deadline can end the call in time.
    emulator().faults.latencyMs = 30_000;
    try {
      const started = Date.now();
      const res = await call("GetOrgMetadata", framedMessage(GetOrgMetadataRequestSchema, { key: "k" }), { "grpc-timeout": "200m" });
      expect(res.headers["grpc-status"]).toBe(String(Code.DeadlineExceeded));
      expect(res.body.length).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      emulator().faults.latencyMs = 0;
    }
    const bad = await call("GetOrgMetadata", framedMessage(GetOrgMetadataRequestSchema, { key: "k" }), { "grpc-timeout": "soon" });
    expectTrailersOnly(bad, Code.Internal, 'malformed grpc-timeout: "soon"');
    // The longest a client can ask for is far beyond any timer: no deadline, not an instant one.
    const far = await call("GetOrgMetadata", framedMessage(GetOrgMetadataRequestSchema, { key: "k" }), { "grpc-timeout": "99999999H" });
    expect(far.headers["grpc-status"]).toBe(String(Code.NotFound));
  });

  it("a message over 4 MiB is refused by its declared length with ResourceExhausted, as grpc-go does", async () => {
    const declared = 4 * 1024 * 1024 + 1;
    const res = await call("SetOrgMetadata", frame(new Uint8Array(declared)));
    expectTrailersOnly(res, Code.ResourceExhausted, `grpc: received message larger than max (${declared} vs. 4194304)`);
  });

  it("bytes that are not protobuf fail with grpc-go's Internal, and unknown methods with Unimplemented", async () => {
    const garbage = await call("SetOrgMetadata", frame(Buffer.from([0xff, 0xff, 0xff])));
    expectTrailersOnly(garbage, Code.Internal, "grpc: error unmarshalling request: proto: cannot parse invalid wire-format data");
    const truncated = await call("SetOrgMetadata", Buffer.from([0, 0, 0, 0, 9, 1]));
    expect([truncated.headers["grpc-status"], truncated.body.length]).toEqual([String(Code.Internal), 0]);
    expect(decodeURIComponent(String(truncated.headers["grpc-message"]))).toMatch(/truncated: the frame declares 9 bytes, 1 arrived/);
    const empty = await call("SetOrgMetadata", new Uint8Array());
    expect(decodeURIComponent(String(empty.headers["grpc-message"]))).toMatch(/no message; a unary call sends exactly one/);
    const twice = await call("SetOrgMetadata", Buffer.concat([frame(new Uint8Array()), frame(new Uint8Array())]));
    expect(decodeURIComponent(String(twice.headers["grpc-message"]))).toMatch(/more than one message/);
    expectTrailersOnly(
      await call("Frobnicate", frame(new Uint8Array())),
      Code.Unimplemented,
      "unknown method Frobnicate for service zitadel.management.v1.ManagementService",
    );
    const otherService = await send(`${emulator().url}/zitadel.admin.v1.AdminService/Healthz`, {
      headers: { "content-type": "application/grpc-web+proto" },
      body: frame(new Uint8Array()),
    });
    expectTrailersOnly(otherService, Code.Unimplemented, "unknown service zitadel.admin.v1.AdminService");
  });

  it("a compressed message needs a grpc-encoding; an unknown encoding is Unimplemented", async () => {
    const flagged = await call("GetOrgMetadata", frame(new Uint8Array(), 0x01));
    expectTrailersOnly(flagged, Code.Internal, "grpc: compressed flag set with identity or empty encoding");
    const brotli = await call("GetOrgMetadata", frame(new Uint8Array(), 0x01), { "grpc-encoding": "br" });
    expectTrailersOnly(brotli, Code.Unimplemented, 'grpc: Decompressor is not installed for grpc-encoding "br"');
  });

  it("a client that goes away cancels the call on the server", async () => {
    emulator().faults.latencyMs = 30_000;
    log.length = 0;
    try {
      const controller = new AbortController();
      const client = createManagementClient(
        createGrpcWebTransport({
          baseUrl: emulator().url,
          httpVersion: send === http1 ? "1.1" : "2",
          interceptors: [createZitadelInterceptor({ auth: token() })],
        }),
      );
      setTimeout(() => controller.abort(), 100);
      expect((await rejection(client.getOrgMetadata({ key: "k" }, { signal: controller.signal }))).code).toBe(Code.Canceled);
      // The handler's wait was cut short (well before the 30 s latency) and logged as canceled.
      await expect.poll(() => log.find((l) => l.startsWith("GetOrgMetadata grpc-web")), { timeout: 10_000 }).toMatch(/ Canceled /);
    } finally {
      emulator().faults.latencyMs = 0;
    }
  });
});

describe("gRPC-web clients against the trailers-only answers", () => {
  const emulator = useEmulator();

  for (const httpVersion of ["1.1", "2"] as const) {
    it(`connect-node over HTTP/${httpVersion}: code, message and ErrorDetail; gzip-compressed requests work`, async () => {
      const transport = createGrpcWebTransport({
        baseUrl: emulator().url,
        httpVersion,
        sendCompression: compressionGzip,
        compressMinBytes: 1,
        interceptors: [createZitadelInterceptor({ auth: emulator().user("acme-admin").token })],
      });
      const mgmt = createManagementClient(transport);
      await mgmt.setOrgMetadata({ key: `gzip-${httpVersion}`, value: utf8("x".repeat(1_000)) });
      expectBytes((await mgmt.getOrgMetadata({ key: `gzip-${httpVersion}` })).metadata?.value, utf8("x".repeat(1_000)));
      const err = await expectZitadelError(mgmt.getOrgMetadata({ key: "missing" }), {
        code: Code.NotFound,
        id: "QUERY-Rph32",
        text: "Metadata not found",
      });
      // The status came in the headers; a trailers-only response has no trailers.
      expect(err.metadata.get("grpc-status")).toBe(String(Code.NotFound));
    });
  }
});

describe("grpc-message's percent-encoding", () => {
  it("encodes the UTF-8 bytes outside printable ASCII and %, nothing else, as gRPC specifies", () => {
    const text = "Meta Daten konnten nicht gefunden werden: 100% (QUERY-Rgh32) ü\n";
    const encoded = percentEncodeGrpcMessage(text);
    expect(encoded).toBe("Meta Daten konnten nicht gefunden werden: 100%25 (QUERY-Rgh32) %C3%BC%0A");
    // What clients do with it.
    expect(decodeURIComponent(encoded)).toBe(text);
  });
});
