// The REST transport against a real HTTP server on 127.0.0.1: what reaches
// the wire (method, path, headers, body) for several RPCs, how canned JSON
// and errors come back, and deadlines and cancellation against a slow handler.
// Independent of the emulator's own REST gateway.
import type { IncomingHttpHeaders, Server } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { rejection, thrownBy } from "./support/failures.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GetOrgMetadataRequestSchema } from "../gen/zitadel/management_pb.js";
import { TextQueryMethod } from "../gen/zitadel/object_pb.js";
import type { ZitadelTransportOptions } from "../src/index.js";
import { httpStatusKey } from "../src/zitadel/errors.js";
import * as web from "../src/web.js";
import {
  createAuthClient,
  createManagementClient,
  createRestTransport,
  createZitadelInterceptor,
  createZitadelTransport,
  getErrorDetail,
  withOrgId,
} from "../src/index.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

const token = "pat-0123456789abcdef";
let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let reply: (req: Seen) => Reply = () => ({ body: {} });

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      seen.push(request);
      const { status = 200, headers = {}, body = {}, delayMs = 0 } = reply(request);
      const send = () => {
        const text = typeof body === "string" ? body : JSON.stringify(body);
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(text);
      };
      if (delayMs === 0) return send();
      // The client gives up first; the timer must not write to a closed response.
      const timer = setTimeout(send, delayMs);
      res.on("close", () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
});

beforeEach(() => {
  seen = [];
  reply = () => ({ body: {} });
});

function clients(extra: Partial<ZitadelTransportOptions> = {}) {
  const transport = createZitadelTransport({ baseUrl, protocol: "rest", auth: token, orgId: "org-1", ...extra });
  return { mgmt: createManagementClient(transport), auth: createAuthClient(transport) };
}

function only(): Seen {
  expect(seen).toHaveLength(1);
  return seen[0]!;
}

const details = { sequence: "42", creationDate: "2024-05-06T07:08:09.123Z", resourceOwner: "org-1" };

describe("REST requests on the wire", () => {
  it("SetUserMetadata: POST, each path variable one encoded segment, body:* JSON, auth and org headers", async () => {
    reply = () => ({ body: { details: { ...details, notYetInvented: { a: 1 } }, id: "", somethingNew: [1, 2] } });
    const res = await clients().mgmt.setUserMetadata({ id: "u 1", key: "a+b ü?#100%", value: new Uint8Array([0, 255, 1]) });
    const req = only();
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/management/v1/users/u%201/metadata/a%2Bb%20%C3%BC%3F%23100%25");
    expect(req.headers.authorization).toBe(`Bearer ${token}`);
    expect(req.headers["x-zitadel-orgid"]).toBe("org-1");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers.accept).toBe("application/json");
    expect(JSON.parse(req.body)).toEqual({ value: "AP8B" });
    // Unknown response fields, top-level and nested, are ignored.
    expect(res.details?.sequence).toBe(42n);
    expect(res.details?.resourceOwner).toBe("org-1");
    expect(res.details?.creationDate?.seconds).toBe(BigInt(Date.parse("2024-05-06T07:08:09Z") / 1000));
    expect(res.details?.creationDate?.nanos).toBe(123_000_000);
  });

  it("GetMyMetadata: GET under /auth/v1 without body or content-type; withOrgId wins for one call", async () => {
    reply = () => ({ body: { metadata: { key: "k", value: "aGVsbG8=", details, future: true } } });
    const res = await clients().auth.getMyMetadata({ key: "k" }, { contextValues: withOrgId("org-2") });
    const req = only();
    expect(req.method).toBe("GET");
    expect(req.url).toBe("/auth/v1/users/me/metadata/k");
    expect(req.headers["content-type"]).toBeUndefined();
    expect(req.body).toBe("");
    expect(req.headers["x-zitadel-orgid"]).toBe("org-2");
    expect(new TextDecoder().decode(res.metadata?.value)).toBe("hello");
  });

  it("ListUserMetadata: POST _search with the query in the body; results decoded", async () => {
    reply = () => ({
      body: {
        details: { totalResult: "2", processedSequence: "9", viewTimestamp: "2024-01-01T00:00:00Z" },
        result: [
          { key: "a", value: "MQ==", details, extra: "x" },
          { key: "b", value: "Mg==" },
        ],
      },
    });
    const res = await clients().mgmt.listUserMetadata({
      id: "u1",
      query: { offset: 5n, limit: 10, asc: true },
      queries: [{ query: { case: "keyQuery", value: { key: "a", method: TextQueryMethod.CONTAINS } } }],
    });
    const req = only();
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/management/v1/users/u1/metadata/_search");
    expect(JSON.parse(req.body)).toEqual({
      query: { offset: "5", limit: 10, asc: true },
      queries: [{ keyQuery: { key: "a", method: "TEXT_QUERY_METHOD_CONTAINS" } }],
    });
    expect(res.details?.totalResult).toBe(2n);
    expect(res.result.map((m) => [m.key, new TextDecoder().decode(m.value)])).toEqual([
      ["a", "1"],
      ["b", "2"],
    ]);
  });

  it("BulkRemoveOrgMetadata: DELETE with a JSON body", async () => {
    reply = () => ({ body: { details: { sequence: "7", changeDate: "2024-01-01T00:00:00Z", resourceOwner: "org-1" } } });
    const res = await clients().mgmt.bulkRemoveOrgMetadata({ keys: ["a", "b/c"] });
    const req = only();
    expect(req.method).toBe("DELETE");
    expect(req.url).toBe("/management/v1/metadata/_bulk");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(req.body)).toEqual({ keys: ["a", "b/c"] });
    expect(res.details?.sequence).toBe(7n);
  });

  it("RemoveUserMetadata: DELETE without a body", async () => {
    await clients().mgmt.removeUserMetadata({ id: "u1", key: "k" });
    const req = only();
    expect(req.method).toBe("DELETE");
    expect(req.url).toBe("/management/v1/users/u1/metadata/k");
    expect(req.body).toBe("");
    expect(req.headers["content-type"]).toBeUndefined();
  });

  it("a baseUrl with a sub-path (a reverse proxy) keeps it in front of the service prefix", async () => {
    await clients({ baseUrl: `${baseUrl}/zitadel/` }).mgmt.getOrgMetadata({ key: "k" });
    expect(only().url).toBe("/zitadel/management/v1/metadata/k");
  });

  it("interceptors see the URL, verb and headers, and the response headers; the trailer is empty", async () => {
    reply = () => ({ headers: { "x-served-by": "test" }, body: { metadata: { key: "k" } } });
    const observed: { url?: string; method?: string; auth?: string | null; served?: string | null; trailer?: number } = {};
    const spy: Interceptor = (next) => async (req) => {
      observed.url = req.url;
      observed.method = req.requestMethod;
      observed.auth = req.header.get("authorization");
      const res = await next(req);
      observed.served = res.header.get("x-served-by");
      observed.trailer = [...res.trailer.keys()].length;
      return res;
    };
    await clients({ interceptors: [spy] }).mgmt.getOrgMetadata({ key: "k" });
    expect(observed).toEqual({
      url: `${baseUrl}/management/v1/metadata/k`,
      method: "GET",
      auth: `Bearer ${token}`,
      served: "test",
      trailer: 0,
    });
  });

  it("an interceptor that replaces the message gets a request built from the new message", async () => {
    const rewrite: Interceptor = (next) => async (req) =>
      next({ ...req, message: create(GetOrgMetadataRequestSchema, { key: "rewritten key" }) } as typeof req);
    await clients({ interceptors: [rewrite] }).mgmt.getOrgMetadata({ key: "original" });
    expect(only().url).toBe("/management/v1/metadata/rewritten%20key");
  });

  it("a key with a slash is refused before any request, naming the key and pointing at grpc", async () => {
    let fetched = 0;
    const counting: typeof globalThis.fetch = (input, init) => {
      fetched++;
      return globalThis.fetch(input, init);
    };
    const { mgmt, auth } = clients({ fetch: counting });
    for (const call of [
      () => mgmt.setUserMetadata({ id: "u1", key: "a/b", value: new Uint8Array([1]) }),
      () => mgmt.getOrgMetadata({ key: "a/b" }),
      () => auth.getMyMetadata({ key: "a/b" }),
    ]) {
      const err = await rejection(call());
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toMatch(/^\w+Request\.key "a\/b" cannot be sent over REST: ZITADEL's gateway decodes "%2F" to "\/"/);
      expect(err.rawMessage).toMatch(/Use protocol "grpc" or "grpc-web" for this value\.$/);
    }
    expect(fetched).toBe(0);
    expect(seen).toEqual([]);
  });

  it("an interceptor's replacement message is checked too: a slash in it is refused before sending", async () => {
    const rewrite: Interceptor = (next) => async (req) =>
      next({ ...req, message: create(GetOrgMetadataRequestSchema, { key: "rewritten/key" }) } as typeof req);
    const err = await rejection(clients({ interceptors: [rewrite] }).mgmt.getOrgMetadata({ key: "original" }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain('GetOrgMetadataRequest.key "rewritten/key" cannot be sent over REST');
    expect(seen).toEqual([]);
  });

  it("the browser entry speaks REST too, with the fetch it is given", async () => {
    let fetched = 0;
    const transport = web.createZitadelTransport({
      baseUrl,
      protocol: "rest",
      auth: token,
      fetch: (input, init) => {
        fetched++;
        return globalThis.fetch(input, init);
      },
      credentials: "omit",
    });
    reply = () => ({ body: { metadata: { key: "k", value: "AQ==" } } });
    const res = await web.createManagementClient(transport).getOrgMetadata({ key: "k" });
    expect(res.metadata?.value).toEqual(new Uint8Array([1]));
    expect(fetched).toBe(1);
    expect(only().headers.authorization).toBe(`Bearer ${token}`);
  });

  it("createRestTransport alone adds no credentials: the interceptor is the caller's choice", async () => {
    const bare = createManagementClient(createRestTransport({ baseUrl }));
    await bare.getOrgMetadata({ key: "k" });
    expect(only().headers.authorization).toBeUndefined();
    seen = [];
    const withAuth = createManagementClient(createRestTransport({ baseUrl, interceptors: [createZitadelInterceptor({ auth: token })] }));
    await withAuth.getOrgMetadata({ key: "k" });
    expect(only().headers.authorization).toBe(`Bearer ${token}`);
  });
});

describe("REST errors from the server", () => {
  it("a google.rpc.Status body: code, message, ErrorDetail and headers as over gRPC", async () => {
    reply = () => ({
      status: 404,
      headers: { "x-request-id": "req-9" },
      body: {
        code: 5,
        message: "Metadata not found (QUERY-Rgh32)",
        details: [{ "@type": "type.googleapis.com/zitadel.v1.ErrorDetail", id: "QUERY-Rgh32", message: "Metadata not found" }],
      },
    });
    const err = await rejection(clients().mgmt.getUserMetadata({ id: "u1", key: "k" }));
    expect(err.code).toBe(Code.NotFound);
    expect(err.rawMessage).toBe("Metadata not found (QUERY-Rgh32)");
    expect(getErrorDetail(err)).toMatchObject({ id: "QUERY-Rgh32", message: "Metadata not found" });
    expect(err.metadata.get("x-request-id")).toBe("req-9");
    // The HTTP status travels with the error, for ZitadelError.httpStatus.
    expect((err as unknown as Record<symbol, unknown>)[httpStatusKey]).toBe(404);
  });

  it("an error without details (e.g. auth) has no ErrorDetail", async () => {
    reply = () => ({ status: 401, body: { code: 16, message: "auth header missing", details: [] } });
    const err = await rejection(clients().mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toBe("auth header missing");
    expect(getErrorDetail(err)).toBeUndefined();
  });

  it("an HTML 502 from a proxy: Unavailable, with status, route and page title, no token", async () => {
    reply = () => ({
      status: 502,
      headers: { "content-type": "text/html; charset=utf-8", server: "nginx" },
      body: `<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><pre>Bearer ${token}</pre></body></html>`,
    });
    const err = await rejection(clients().mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).toBe('HTTP 502 Bad Gateway from /management/v1/metadata/k (body: "502 Bad Gateway")');
    expect(err.message).not.toContain(token);
    expect(err.metadata.get("server")).toBe("nginx");
  });

  it("a 200 that is not JSON is Internal", async () => {
    reply = () => ({ headers: { "content-type": "text/plain" }, body: "OK" });
    const err = await rejection(clients().mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toContain("is not JSON (content-type text/plain)");
  });

  it("a server that is not there: Unavailable", async () => {
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, "127.0.0.1", resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    const err = await rejection(clients({ baseUrl: `http://127.0.0.1:${port}` }).mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.Unavailable);
    // Node's REST runs on connect-node's HTTP client (not fetch, whose text was "fetch failed: ECONNREFUSED").
    expect(err.rawMessage).toBe(`nothing listens on 127.0.0.1:${port} (connection refused): check the port in baseUrl and that ZITADEL is running`);
    expect((err.cause as { rawMessage: string }).rawMessage).toContain(
      `got no complete response from http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(err.message).not.toContain(token);
  });
});

describe("REST deadlines and cancellation (slow handler)", () => {
  beforeEach(() => {
    reply = () => ({ delayMs: 30_000, body: { metadata: { key: "k" } } });
  });

  it("a per-call timeoutMs ends the call with DeadlineExceeded", async () => {
    const started = Date.now();
    const err = await rejection(clients().mgmt.getOrgMetadata({ key: "k" }, { timeoutMs: 100 }));
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("the transport's defaultTimeoutMs applies to calls that set none", async () => {
    const started = Date.now();
    const err = await rejection(clients({ defaultTimeoutMs: 100 }).mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("an AbortSignal cancels the call in flight", async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    const err = await rejection(clients().mgmt.getOrgMetadata({ key: "k" }, { signal: controller.signal }));
    expect(err.code).toBe(Code.Canceled);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a call that is fast enough is not affected by its deadline", async () => {
    reply = () => ({ delayMs: 20, body: { metadata: { key: "k" } } });
    const res = await clients().mgmt.getOrgMetadata({ key: "k" }, { timeoutMs: 10_000 });
    expect(res.metadata?.key).toBe("k");
  });
});

describe("REST transport options", () => {
  it("createZitadelTransport takes Node's connection options for rest too (they configure its HTTP client)", () => {
    for (const extra of [{ httpVersion: "2" as const }, { nodeOptions: { ca: "x" } }, { httpVersion: "2" as const, pingIntervalMs: 1000 }]) {
      expect(
        thrownBy(() => createZitadelTransport({ baseUrl, protocol: "rest", auth: token, ...extra })),
        JSON.stringify(extra),
      ).toBeUndefined();
    }
  });

  it.each([
    [{ httpVersion: "1.1" as const, pingIntervalMs: 1000 }, 'option "pingIntervalMs" is a setting of HTTP/2 connections'],
    [{ acceptCompression: [] }, 'protocol "rest" sends and reads plain JSON bodies, so "acceptCompression" cannot apply'],
    [
      { fetch: globalThis.fetch, nodeOptions: { ca: "x" } },
      `option "nodeOptions" configures Node's HTTP client, which protocol "rest" does not use when option "fetch" is given`,
    ],
    [{ fetch: globalThis.fetch, httpVersion: "2" as const }, `option "httpVersion" configures Node's HTTP client`],
  ])("createZitadelTransport refuses what cannot apply to rest, naming it: %j", (extra, message) => {
    expect(() => createZitadelTransport({ baseUrl, protocol: "rest", auth: token, ...extra })).toThrow(`createZitadelTransport: ${message}`);
  });

  it("refuses useBinaryFormat with rest", () => {
    expect(() => createZitadelTransport({ baseUrl, protocol: "rest", auth: token, useBinaryFormat: true })).toThrow('protocol "rest" speaks JSON only');
  });

  it("createRestTransport checks its options", () => {
    expect(() => createRestTransport({ baseUrl: "zitadel.example" })).toThrow('option "baseUrl" must be an absolute URL');
    expect(() => createRestTransport({ baseUrl: "ftp://zitadel.example" })).toThrow("must start with https://");
    expect(() => createRestTransport({ baseUrl: "https://zitadel.example?x=1" })).toThrow("must not have a query or fragment");
    expect(() => createRestTransport({ baseUrl, defaultTimeoutMs: -1 })).toThrow('option "defaultTimeoutMs"');
    expect(() => createRestTransport({ baseUrl, servicePrefixes: { "zitadel.management.v1.ManagementService": "mgmt/" } })).toThrow(
      'option "servicePrefixes" for zitadel.management.v1.ManagementService must be "" or a path like "/management/v1"',
    );
  });
});
