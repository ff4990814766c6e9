// The emulator's CORS, spoken to with raw HTTP/1.1 and HTTP/2 (node:http,
// node:http2) so every header is what a browser would send and see. The real
// browser test (test/browser) shows the same rules let Chromium through.
import * as http from "node:http";
import * as http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { GetUserMetadataRequestSchema } from "../gen/zitadel/management_pb.js";
import { useEmulator } from "./support/emulator.js";

const origin = "http://app.example:5173";

/** The request headers issue 7 requires, as a browser lists them in a preflight. */
const requiredRequestHeaders = [
  "authorization",
  "x-zitadel-orgid",
  "x-grpc-web",
  "x-user-agent",
  "connect-protocol-version",
  "connect-timeout-ms",
  "grpc-timeout",
  "content-type",
];
const requiredExposedHeaders = ["grpc-status", "grpc-message", "grpc-status-details-bin"];

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP/1.1 request, exactly these headers (no fetch: it would add or forbid some). */
function request(url: string, method: string, headers: Record<string, string>, body?: Uint8Array | string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A header's comma-separated list, lowercased. */
const list = (value: string | string[] | undefined) =>
  String(value ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "");

/** A gRPC-web request body: one uncompressed message frame. */
function grpcWebFrame(message: Uint8Array): Uint8Array {
  const frame = new Uint8Array(5 + message.length);
  new DataView(frame.buffer).setUint32(1, message.length);
  frame.set(message, 5);
  return frame;
}

describe("emulator CORS (raw HTTP)", () => {
  const logLines: string[] = [];
  const emulator = useEmulator({ log: (line) => logLines.push(line) });
  const alice = () => emulator().user("alice").id;
  const token = () => emulator().user("acme-admin").token;
  const grpcWebPath = "/zitadel.management.v1.ManagementService/GetUserMetadata";

  const preflight = (path: string, method: string, requestHeaders: string[]) =>
    request(emulator().url + path, "OPTIONS", {
      origin,
      "access-control-request-method": method,
      ...(requestHeaders.length > 0 ? { "access-control-request-headers": requestHeaders.join(",") } : {}),
    });

  function expectAllowed(res: RawResponse, method: string, requestHeaders: string[]) {
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe(origin);
    expect(res.headers["access-control-allow-credentials"]).toBe("true");
    expect(list(res.headers["access-control-allow-methods"])).toContain(method.toLowerCase());
    expect(list(res.headers["access-control-allow-headers"])).toEqual(expect.arrayContaining(requestHeaders));
    expect(Number(res.headers["access-control-max-age"])).toBeGreaterThan(0);
    expect(list(res.headers.vary)).toContain("origin");
    expect(res.body.length).toBe(0);
  }

  describe("preflight", () => {
    it("allows a gRPC-web call with every header our transports send", async () => {
      const headers = ["authorization", "content-type", "grpc-timeout", "x-grpc-web", "x-user-agent", "x-zitadel-orgid"];
      expectAllowed(await preflight(grpcWebPath, "POST", headers), "POST", headers);
    });

    it("allows a Connect call", async () => {
      const headers = ["authorization", "connect-protocol-version", "connect-timeout-ms", "content-type", "x-zitadel-orgid"];
      expectAllowed(await preflight(grpcWebPath, "POST", headers), "POST", headers);
    });

    it("allows every REST verb of the gateway, and the whole required header list", async () => {
      const path = `/management/v1/users/${alice()}/metadata/plan`;
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
        expectAllowed(await preflight(path, method, requiredRequestHeaders), method, requiredRequestHeaders);
      }
    });

    it("answers for the OAuth endpoints too (one CORS layer for every route)", async () => {
      expectAllowed(await preflight("/oauth/v2/token", "POST", ["authorization", "content-type"]), "POST", ["authorization", "content-type"]);
      expectAllowed(await preflight("/.well-known/openid-configuration", "GET", []), "GET", []);
    });

    it("answers for paths nothing serves (the browser learns of the 404 from the real request)", async () => {
      expectAllowed(await preflight("/no/such/route", "POST", ["content-type"]), "POST", ["content-type"]);
    });

    it("refuses a header ZITADEL does not allow, as ZITADEL does: no allow headers, and says why in the log", async () => {
      logLines.length = 0;
      const res = await preflight(grpcWebPath, "POST", ["authorization", "x-api-key"]);
      expect(res.status).toBe(204);
      expect(res.headers["access-control-allow-origin"]).toBeUndefined();
      expect(res.headers["access-control-allow-headers"]).toBeUndefined();
      expect(logLines.join("\n")).toMatch(/cors: refused the preflight from http:\/\/app\.example:5173: request header x-api-key is not allowed/);
    });

    it("refuses a method ZITADEL does not allow", async () => {
      const res = await preflight(grpcWebPath, "TRACE", []);
      expect(res.headers["access-control-allow-origin"]).toBeUndefined();
      expect(res.headers["access-control-allow-methods"]).toBeUndefined();
    });

    it("is answered over HTTP/2 too", async () => {
      const session = http2.connect(emulator().url);
      try {
        const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
          const stream = session.request({
            ":method": "OPTIONS",
            ":path": grpcWebPath,
            origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,x-grpc-web",
          });
          stream.on("response", (h) => {
            resolve(h);
            stream.resume();
          });
          stream.on("error", reject);
          stream.end();
        });
        expect(headers[":status"]).toBe(204);
        expect(headers["access-control-allow-origin"]).toBe(origin);
      } finally {
        session.close();
      }
    });
  });

  describe("actual responses", () => {
    function expectCorsHeaders(res: RawResponse) {
      expect(res.headers["access-control-allow-origin"]).toBe(origin);
      expect(res.headers["access-control-allow-credentials"]).toBe("true");
      expect(list(res.headers["access-control-expose-headers"])).toEqual(expect.arrayContaining(requiredExposedHeaders));
      expect(list(res.headers.vary)).toContain("origin");
    }

    it("gRPC-web: an error, readable by the page", async () => {
      const message = toBinary(GetUserMetadataRequestSchema, create(GetUserMetadataRequestSchema, { id: alice(), key: "missing" }));
      const res = await request(
        emulator().url + grpcWebPath,
        "POST",
        { origin, authorization: `Bearer ${token()}`, "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
        grpcWebFrame(message),
      );
      expectCorsHeaders(res);
      expect(res.status).toBe(200);
      // Trailers-only, as ZITADEL sends it: the status is in response headers,
      // which the page can read only because they are exposed.
      expect(res.body.length).toBe(0);
      expect(res.headers["grpc-status"]).toBe("5");
      expect(res.headers["grpc-message"]).toBe("Metadata not found (QUERY-Rgh32)");
      expect(res.headers["grpc-status-details-bin"]).toMatch(/^[A-Za-z0-9+/]+$/);
    });

    it("Connect on a v1 path: not served (ZITADEL has no Connect for v1), the REST gateway's 404, readable by the page", async () => {
      const res = await request(
        emulator().url + grpcWebPath,
        "POST",
        { origin, authorization: `Bearer ${token()}`, "content-type": "application/json", "connect-protocol-version": "1" },
        JSON.stringify({ id: alice(), key: "missing" }),
      );
      expectCorsHeaders(res);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body.toString())).toMatchObject({ code: 5, message: "Not Found" });
    });

    it("REST: a success and a 404", async () => {
      const path = `/management/v1/users/${alice()}/metadata/cors-key`;
      const headers = { origin, authorization: `Bearer ${token()}`, "content-type": "application/json" };
      const set = await request(emulator().url + path, "POST", headers, JSON.stringify({ value: "aGk=" }));
      expectCorsHeaders(set);
      expect(set.status).toBe(200);
      const missing = await request(`${emulator().url}/management/v1/users/${alice()}/metadata/missing`, "GET", headers);
      expectCorsHeaders(missing);
      expect(missing.status).toBe(404);
    });

    it("OAuth: a token endpoint error", async () => {
      const res = await request(
        `${emulator().url}/oauth/v2/token`,
        "POST",
        { origin, "content-type": "application/x-www-form-urlencoded" },
        "grant_type=password",
      );
      expectCorsHeaders(res);
      expect(res.status).toBe(400);
    });

    it("adds nothing to requests without an Origin (servers and curl)", async () => {
      const res = await request(`${emulator().url}/management/v1/users/${alice()}/metadata/missing`, "GET", {
        authorization: `Bearer ${token()}`,
      });
      expect(res.status).toBe(404);
      expect(Object.keys(res.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
      expect(res.headers.vary).toBeUndefined();
    });
  });
});
