// The emulator's REST gateway, spoken to with plain HTTP (fetch, or node:http where
// the path must go exactly as written), not our client: the documented curl calls,
// exact JSON bodies, error statuses, bodies and headers, and the path handling of
// ZITADEL's Go server and router in front of the gateway.
import type { IncomingHttpHeaders } from "node:http";
import { request } from "node:http";
import { Code, type ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { useEmulator } from "./support/emulator.js";
import { clientsAs } from "./support/protocols.js";

const rfc3339 = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
const decimal = expect.stringMatching(/^\d+$/);

describe("REST gateway (raw HTTP)", () => {
  const emulator = useEmulator();

  async function rest(
    method: string,
    path: string,
    options: { as?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; json: unknown; contentType: string | null }> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.as !== undefined) headers.authorization = `Bearer ${emulator().user(options.as).token}`;
    const body = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(emulator().url + path, { method, headers, body });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, contentType: res.headers.get("content-type") };
  }
  const alice = () => emulator().user("alice").id;
  const acme = () => emulator().org("acme").id;
  const bearer = (userName: string) => `Bearer ${emulator().user(userName).token}`;

  /**
   * One request with node:http, the path sent exactly as given: fetch would
   * resolve "." and ".." segments (also %2E) before sending.
   */
  function raw(
    method: string,
    path: string,
    options: { as?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.as !== undefined) headers.authorization = bearer(options.as);
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      // node:http frames GET and DELETE bodies only with an explicit length.
      headers["content-length"] = String(Buffer.byteLength(options.body));
    }
    return new Promise((resolve, reject) => {
      // Host, port and path apart: a URL string would be normalized.
      const req = request({ host: "127.0.0.1", port: emulator().port, path, method, headers });
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(options.body);
    });
  }

  /** Alice's and acme's keys, read over gRPC, to show what a request stored. */
  async function stored(): Promise<{ user: string[]; org: string[] }> {
    const { mgmt } = clientsAs(emulator(), "grpc", "acme-admin");
    const user = (await mgmt.listUserMetadata({ id: alice() })).result.map((m) => m.key).sort();
    const org = (await mgmt.listOrgMetadata({})).result.map((m) => m.key).sort();
    return { user, org };
  }

  const errorBody = (code: number, id: string, text: string) => ({
    code,
    message: `${text} (${id})`,
    details: [{ "@type": "type.googleapis.com/zitadel.v1.ErrorDetail", id, message: text }],
  });

  describe("the documented calls, with exact bodies", () => {
    it("POST user metadata with a base64 value", async () => {
      const res = await rest("POST", `/management/v1/users/${alice()}/metadata/key1`, {
        as: "acme-admin",
        body: { value: "VGhpcyBpcyBteSB0ZXN0IHZhbHVl" },
      });
      expect(res.status).toBe(200);
      expect(res.contentType).toBe("application/json");
      // id is never filled and so omitted; changeDate is unset on a set.
      expect(res.json).toEqual({ details: { sequence: decimal, creationDate: rfc3339, resourceOwner: acme() } });
    });

    it("GET user metadata by key", async () => {
      const res = await rest("GET", `/management/v1/users/${alice()}/metadata/key1`, { as: "acme-admin" });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        metadata: {
          details: { sequence: decimal, creationDate: rfc3339, changeDate: rfc3339, resourceOwner: acme() },
          key: "key1",
          value: "VGhpcyBpcyBteSB0ZXN0IHZhbHVl",
        },
      });
      expect(Object.keys((res.json as { metadata: object }).metadata)).toEqual(["details", "key", "value"]);
    });

    it("GET org metadata by key", async () => {
      await rest("POST", "/management/v1/metadata/key1", { as: "acme-admin", body: { value: "b3Jn" } });
      const res = await rest("GET", "/management/v1/metadata/key1", { as: "acme-admin" });
      expect(res.json).toEqual({
        metadata: {
          details: { sequence: decimal, creationDate: rfc3339, changeDate: rfc3339, resourceOwner: acme() },
          key: "key1",
          value: "b3Jn",
        },
      });
    });

    it("GET my metadata by key", async () => {
      const res = await rest("GET", "/auth/v1/users/me/metadata/key1", { as: "alice" });
      expect(res.status).toBe(200);
      expect((res.json as { metadata: { value: string } }).metadata.value).toBe("VGhpcyBpcyBteSB0ZXN0IHZhbHVl");
    });

    it("POST my metadata _search with the documented query", async () => {
      const res = await rest("POST", "/auth/v1/users/me/metadata/_search", {
        as: "alice",
        body: {
          query: { offset: "0", limit: 100, asc: true },
          queries: [{ keyQuery: { key: "key1", method: "TEXT_QUERY_METHOD_EQUALS" } }],
        },
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        // processed_sequence is always 0 on v1, so JSON leaves it out.
        details: { totalResult: "1", viewTimestamp: rfc3339 },
        result: [
          {
            details: { sequence: decimal, creationDate: rfc3339, changeDate: rfc3339, resourceOwner: acme() },
            key: "key1",
            value: "VGhpcyBpcyBteSB0ZXN0IHZhbHVl",
          },
        ],
      });
    });
  });

  describe("input", () => {
    it("accepts proto field names and ignores unknown fields", async () => {
      const put = await rest("POST", `/management/v1/users/${alice()}/metadata/_bulk`, {
        as: "acme-admin",
        body: { metadata: [{ key: "snake", value: "AQI=" }], unknown_field: 1, alsoUnknown: { x: 1 } },
      });
      expect(put.status).toBe(200);
      const search = await rest("POST", `/management/v1/users/${alice()}/metadata/_search`, {
        as: "acme-admin",
        body: { query: { limit: 10 }, queries: [{ key_query: { key: "snake", method: "TEXT_QUERY_METHOD_EQUALS" } }] },
      });
      expect((search.json as { result: { key: string; value: string }[] }).result).toEqual([expect.objectContaining({ key: "snake", value: "AQI=" })]);
    });

    it("an empty body is an empty request, rejected by validation as ZITADEL does", async () => {
      const res = await rest("POST", `/management/v1/users/${alice()}/metadata/k`, { as: "acme-admin" });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({
        code: 3,
        message: "invalid SetUserMetadataRequest.Value: value length must be between 1 and 500000 bytes, inclusive",
      });
    });

    it("invalid JSON and invalid base64: 400 InvalidArgument saying what was wrong; nothing written", async () => {
      const bad = await rest("POST", `/management/v1/users/${alice()}/metadata/k`, { as: "acme-admin", body: "{not json" });
      expect(bad.status).toBe(400);
      expect(bad.json).toEqual({ code: 3, message: expect.stringMatching(/^invalid JSON in the request body: /) });
      const b64 = await rest("POST", `/management/v1/users/${alice()}/metadata/k`, { as: "acme-admin", body: { value: "!!!" } });
      expect(b64.status).toBe(400);
      expect(b64.json).toEqual({ code: 3, message: expect.stringMatching(/SetUserMetadataRequest\.value.*base64/) });
      const missing = await rest("GET", `/management/v1/users/${alice()}/metadata/k`, { as: "acme-admin" });
      expect(missing.status).toBe(404);
    });

    it("odd keys round-trip through percent-encoded path segments", async () => {
      for (const key of ["100%", "with space", "ünïcödé", "q?x#y", "plus+sign", "%2F", "%5Fbulk", "a.b", "..."]) {
        // Dots too: fetch would resolve a "%2E%2E" segment, but not these.
        const path = `/management/v1/users/${alice()}/metadata/${encodeURIComponent(key).replaceAll(".", "%2E")}`;
        const set = await rest("POST", path, { as: "acme-admin", body: { value: "eA==" } });
        expect(set.status, key).toBe(200);
        const got = await rest("GET", path, { as: "acme-admin" });
        expect((got.json as { metadata: { key: string } }).metadata.key, key).toBe(key);
        expect((await rest("DELETE", path, { as: "acme-admin" })).status, key).toBe(200);
      }
    });

    it('a "+" in the path stays a "+"; only a query string reads it as a space', async () => {
      const set = await rest("POST", `/management/v1/users/${alice()}/metadata/a+b`, { as: "acme-admin", body: { value: "eA==" } });
      expect(set.status).toBe(200);
      expect((await stored()).user).toContain("a+b");
      expect((await rest("DELETE", `/management/v1/users/${alice()}/metadata/a%2Bb`, { as: "acme-admin" })).status).toBe(200);
    });
  });

  describe("the path: decoded as a whole, then cleaned, then split (Go's server, ZITADEL's router, grpc-gateway)", () => {
    it('"%2F" in a key is a "/" before routing: 404 with exactly {"code":5,"message":"Not Found"}; nothing stored', async () => {
      const before = await stored();
      const base = `/management/v1/users/${alice()}/metadata`;
      for (const [method, path, body] of [
        ["POST", `${base}/a%2Fb`, '{"value":"eA=="}'],
        ["GET", `${base}/a%2Fb`, undefined],
        ["DELETE", `${base}/a%2fb`, undefined],
        ["POST", "/management/v1/metadata/a%2Fb", '{"value":"eA=="}'],
        ["GET", "/auth/v1/users/me/metadata/a%2Fb", undefined],
      ] as const) {
        const res = await raw(method, path, { as: "acme-admin", body });
        expect({ status: res.status, body: res.text }, `${method} ${path}`).toEqual({ status: 404, body: '{"code":5,"message":"Not Found"}' });
        expect(res.headers["content-type"]).toBe("application/json");
      }
      expect(await stored()).toEqual(before);
    });

    it('a path with a "." or ".." segment (also as %2E) or "//" gets 301 to the cleaned path, with no body and no handler run', async () => {
      const before = await stored();
      const user = `/management/v1/users/${alice()}`;
      const cases: [string, string][] = [
        [`${user}/metadata/%2E`, `${user}/metadata`],
        [`${user}/metadata/%2e%2E`, user],
        [`${user}/metadata/.`, `${user}/metadata`],
        [`${user}/metadata/..`, user],
        [`${user}/metadata/./`, `${user}/metadata/`],
        [`${user}/./metadata/k`, `${user}/metadata/k`],
        [`${user}/metadata/x/../k`, `${user}/metadata/k`],
        [`/management/v1/users//metadata/k`, "/management/v1/users/metadata/k"],
        ["//management/v1/metadata/k", "/management/v1/metadata/k"],
        ["/management/v1/metadata/%2E%2E/metadata/_bulk", "/management/v1/metadata/_bulk"],
        // Escaped again for Location (Go's EscapedPath), the query kept as sent.
        ["/management/v1/metadata/%2E/a%20b%25%2Bc?x=1%202&y", "/management/v1/metadata/a%20b%25+c?x=1%202&y"],
        ["/management/v1/metadata/./%C3%BC%3F%23!", "/management/v1/metadata/%C3%BC%3F%23%21"],
        ["/management/v1/metadata/../..?", "/management?"],
        ["/management/v1/metadata/../../../../%2e%2e", "/"],
      ];
      for (const [path, location] of cases) {
        for (const method of ["POST", "DELETE", "GET"]) {
          // Without a token: a handler would answer 401, the router redirects first.
          const res = await raw(method, path, { body: method === "GET" ? undefined : '{"value":"eA==","keys":["k"]}' });
          expect({ status: res.status, location: res.headers.location, body: res.text }, `${method} ${path}`).toEqual({
            status: 301,
            location,
            body: "",
          });
          expect(res.headers["content-length"]).toBe("0");
        }
        const withToken = await raw("POST", path, { as: "acme-admin", body: '{"value":"eA=="}' });
        expect(withToken.status).toBe(301);
      }
      expect(await stored()).toEqual(before);
    });

    it("a trailing slash is clean: it is routed as an empty last segment, which validation refuses", async () => {
      const res = await raw("POST", "/management/v1/metadata/", { as: "acme-admin", body: '{"value":"eA=="}' });
      expect({ status: res.status, json: JSON.parse(res.text) }).toEqual({
        status: 400,
        json: { code: 3, message: "invalid SetOrgMetadataRequest.Key: value length must be between 1 and 200 runes, inclusive" },
      });
    });

    it('"%5Fbulk" decodes to "_bulk" and so takes the literal _bulk route, not {key}', async () => {
      const before = await stored();
      const base = `/management/v1/users/${alice()}/metadata`;
      const set = await raw("POST", `${base}/%5Fbulk`, {
        as: "acme-admin",
        body: JSON.stringify({ metadata: [{ key: "b1", value: "MQ==" }], value: "eA==" }),
      });
      expect(set.status).toBe(200);
      expect(await stored()).toEqual({ ...before, user: [...before.user, "b1"].sort() });
      const removed = await raw("DELETE", `${base}/%5f%62ulk`, { as: "acme-admin", body: JSON.stringify({ keys: ["b1"] }) });
      expect(removed.status).toBe(200);
      expect(await stored()).toEqual(before);
      const org = await raw("POST", "/management/v1/metadata/%5Fsearch", { as: "acme-admin", body: "{}" });
      expect(JSON.parse(org.text)).toMatchObject({ details: expect.any(Object) });
    });

    it('"%25" is a literal "%" in the key, decoded once', async () => {
      const before = await stored();
      const base = `/management/v1/users/${alice()}/metadata`;
      for (const [sent, key] of [
        ["100%25", "100%"],
        ["%252F", "%2F"],
        ["%25", "%"],
      ]) {
        const set = await raw("POST", `${base}/${sent}`, { as: "acme-admin", body: '{"value":"eA=="}' });
        expect(set.status, sent).toBe(200);
        const got = await raw("GET", `${base}/${sent}`, { as: "acme-admin" });
        expect(JSON.parse(got.text).metadata.key, sent).toBe(key);
      }
      expect(await stored()).toEqual({ ...before, user: [...before.user, "%", "%2F", "100%"].sort() });
      for (const sent of ["100%25", "%252F", "%25"]) await raw("DELETE", `${base}/${sent}`, { as: "acme-admin" });
    });

    it('an invalid percent escape is refused like Go\'s server refuses the request line: plain-text "400 Bad Request"', async () => {
      const before = await stored();
      for (const path of ["/management/v1/metadata/%zz", "/management/v1/metadata/a%2", "/management/v1/metadata/%", "/management/v1/%G0/metadata/k"]) {
        const res = await raw("POST", path, { as: "acme-admin", body: '{"value":"eA=="}', headers: { origin: "https://app.example" } });
        expect({ status: res.status, body: res.text }, path).toEqual({ status: 400, body: "400 Bad Request" });
        expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
        expect(res.headers.connection).toBe("close");
        // Written before any handler, so without CORS headers.
        expect(res.headers["access-control-allow-origin"]).toBeUndefined();
      }
      expect(await stored()).toEqual(before);
    });

    it("over HTTP/2 an invalid percent escape resets the stream with PROTOCOL_ERROR, as Go's HTTP/2 server does", async () => {
      const { connect, constants } = await import("node:http2");
      const session = connect(emulator().url);
      try {
        const rstCode = await new Promise<number>((resolve, reject) => {
          const stream = session.request({ ":method": "GET", ":path": "/management/v1/metadata/%zz", authorization: bearer("acme-admin") });
          stream.on("error", () => {});
          stream.on("response", (headers) => reject(new Error(`got a response: ${headers[":status"]}`)));
          stream.on("close", () => resolve(stream.rstCode ?? -1));
          stream.end();
        });
        expect(rstCode).toBe(constants.NGHTTP2_PROTOCOL_ERROR);
      } finally {
        session.close();
      }
    });

    it("a path key whose bytes are not UTF-8 fails like ZITADEL's gateway marshalling it for gRPC: 500 Internal; nothing stored", async () => {
      const before = await stored();
      const base = `/management/v1/users/${alice()}/metadata`;
      const set = await raw("POST", `${base}/a%FFb`, { as: "acme-admin", body: '{"value":"eA=="}' });
      expect({ status: set.status, json: JSON.parse(set.text) }).toEqual({
        status: 500,
        json: { code: 13, message: "grpc: error while marshaling: proto: field zitadel.management.v1.SetUserMetadataRequest.key contains invalid UTF-8" },
      });
      const get = await raw("GET", "/auth/v1/users/me/metadata/%C3", { as: "alice" });
      expect(JSON.parse(get.text)).toEqual({
        code: 13,
        message: "grpc: error while marshaling: proto: field zitadel.auth.v1.GetMyMetadataRequest.key contains invalid UTF-8",
      });
      // The request body is decoded first: its errors come before.
      const both = await raw("POST", `${base}/%FF`, { as: "acme-admin", body: '{"value":"!!"}' });
      expect(both.status).toBe(400);
      // Where a literal is expected, such bytes just match no route.
      expect((await raw("GET", "/management/v1/%FF/k", { as: "acme-admin" })).text).toBe('{"code":5,"message":"Not Found"}');
      expect(await stored()).toEqual(before);
    });
  });

  describe("the JSON body: strict UTF-8, as protojson reads it", () => {
    it("bytes that are not UTF-8 in a string: 400 InvalidArgument naming invalid UTF-8 and where; nothing stored", async () => {
      const before = await stored();
      const base = `/management/v1/users/${alice()}/metadata`;
      const body = Buffer.concat([Buffer.from('{"metadata":[{"key":"k'), Buffer.from([0xff]), Buffer.from('","value":"eA=="}]}')]);
      const bulk = await raw("POST", `${base}/_bulk`, { as: "acme-admin", body });
      expect({ status: bulk.status, json: JSON.parse(bulk.text) }).toEqual({
        status: 400,
        json: { code: 3, message: "proto: syntax error (line 1:21): invalid UTF-8 in string" },
      });
      // In an unknown field too (protojson reads it before discarding it), and after a newline.
      const unknown = Buffer.concat([Buffer.from('\n {"value":"eA==",\n "nötig":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
      const set = await raw("POST", `${base}/k`, { as: "acme-admin", body: unknown });
      expect(JSON.parse(set.text)).toEqual({ code: 3, message: "proto: syntax error (line 2:10): invalid UTF-8 in string" });
      // An overlong encoding and an encoded surrogate are not UTF-8 either.
      for (const bad of [
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
      ]) {
        const res = await raw("POST", "/management/v1/metadata/k", {
          as: "acme-admin",
          body: Buffer.concat([Buffer.from('{"value":"eA==","x":"'), Buffer.from(bad), Buffer.from('"}')]),
        });
        expect(JSON.parse(res.text), String(bad)).toEqual({ code: 3, message: "proto: syntax error (line 1:21): invalid UTF-8 in string" });
      }
      const outside = await raw("POST", "/management/v1/metadata/k", { as: "acme-admin", body: Buffer.from([0x7b, 0xff, 0x7d]) });
      expect(outside.status).toBe(400);
      expect(JSON.parse(outside.text).message).toMatch(/^invalid JSON in the request body: .*not UTF-8/);
      expect(await stored()).toEqual(before);
      const read = await clientsAs(emulator(), "grpc", "acme-admin")
        .mgmt.getUserMetadata({ id: alice(), key: "k\ufffd" })
        .catch((e: unknown) => e);
      expect((read as ConnectError).code).toBe(Code.NotFound);
    });

    it("a \\u escape of half a surrogate pair is refused too; a whole pair is fine", async () => {
      const before = await stored();
      const base = `/management/v1/users/${alice()}/metadata`;
      const lone = await raw("POST", `${base}/_bulk`, { as: "acme-admin", body: '{"metadata":[{"key":"\\ud83dxxxxxx","value":"eA=="}]}' });
      expect(JSON.parse(lone.text)).toEqual({ code: 3, message: 'proto: syntax error (line 1:21): invalid escape code "xxxxxx" in string' });
      const low = await raw("POST", `${base}/_bulk`, { as: "acme-admin", body: '{"metadata":[{"key":"\\udc00","value":"eA=="}]}' });
      expect(JSON.parse(low.text)).toEqual({ code: 3, message: 'proto: syntax error (line 1:21): invalid escape code "\\",\\"val" in string' });
      const end = await raw("POST", `${base}/k`, { as: "acme-admin", body: '{"value":"eA==","x":"\\ud83d"}' });
      expect(JSON.parse(end.text)).toEqual({ code: 3, message: "proto: unexpected EOF" });
      expect(await stored()).toEqual(before);
      const pair = await raw("POST", `${base}/_bulk`, { as: "acme-admin", body: '{"metadata":[{"key":"\\ud83d\\ude00","value":"eA=="}]}' });
      expect(pair.status).toBe(200);
      expect(await stored()).toEqual({ ...before, user: [...before.user, "😀"].sort() });
      await raw("DELETE", `${base}/_bulk`, { as: "acme-admin", body: '{"keys":["😀"]}' });
    });

    it("a rule without a body never reads one, whatever it holds", async () => {
      const res = await raw("GET", "/management/v1/metadata/nope", { as: "acme-admin", body: Buffer.from([0xff]) });
      expect(JSON.parse(res.text).message).toBe("Metadata not found (QUERY-Rph32)");
    });
  });

  describe("routing", () => {
    it("_bulk and _search win over {key}; DELETE with a body removes in bulk", async () => {
      const base = `/management/v1/users/${alice()}/metadata`;
      await rest("POST", `${base}/_bulk`, {
        as: "acme-admin",
        body: {
          metadata: [
            { key: "r1", value: "MQ==" },
            { key: "r2", value: "Mg==" },
          ],
        },
      });
      const search = await rest("POST", `${base}/_search`, {
        as: "acme-admin",
        body: { queries: [{ keyQuery: { key: "r", method: "TEXT_QUERY_METHOD_STARTS_WITH" } }] },
      });
      expect((search.json as { result: { key: string }[] }).result.map((m) => m.key).sort()).toEqual(["r1", "r2"]);
      const removed = await rest("DELETE", `${base}/_bulk`, { as: "acme-admin", body: { keys: ["r1", "r2"] } });
      expect(removed.status).toBe(200);
      expect(removed.json).toEqual({ details: { sequence: decimal, changeDate: rfc3339, resourceOwner: acme() } });
      // Org routes too.
      const orgBulk = await rest("POST", "/management/v1/metadata/_bulk", { as: "acme-admin", body: { metadata: [{ key: "o", value: "MQ==" }] } });
      expect(orgBulk.status).toBe(200);
      const orgSearch = await rest("POST", "/management/v1/metadata/_search", { as: "acme-admin", body: {} });
      expect((orgSearch.json as { result: { key: string }[] }).result.map((m) => m.key)).toContain("o");
      expect((await rest("DELETE", "/management/v1/metadata/_bulk", { as: "acme-admin", body: { keys: ["o"] } })).status).toBe(200);
    });

    it("unknown route 404 and wrong method 405, each with a Status body", async () => {
      const unknown = await rest("GET", "/management/v1/nothing/here", { as: "acme-admin" });
      expect(unknown.status).toBe(404);
      expect(unknown.json).toEqual({ code: 5, message: "Not Found" });
      const wrong = await rest("PUT", `/management/v1/users/${alice()}/metadata/k`, { as: "acme-admin", body: {} });
      expect(wrong.status).toBe(405);
      expect(wrong.json).toEqual({ code: 12, message: "Method Not Allowed" });
    });
  });

  describe("headers", () => {
    it("x-zitadel-orgid is honoured exactly as on gRPC", async () => {
      const bob = emulator().user("bob").id;
      const globex = emulator().org("globex").id;
      const without = await rest("POST", `/management/v1/users/${bob}/metadata/k`, { as: "iam-admin", body: { value: "eA==" } });
      expect(without.status).toBe(400);
      expect(without.json).toEqual(errorBody(9, "COMMAND-uXHNj", "User could not be found"));
      const withHeader = await rest("POST", `/management/v1/users/${bob}/metadata/k`, {
        as: "iam-admin",
        body: { value: "eA==" },
        headers: { "x-zitadel-orgid": globex },
      });
      expect(withHeader.status).toBe(200);
      expect((withHeader.json as { details: { resourceOwner: string } }).details.resourceOwner).toBe(globex);
      const unknownOrg = await rest("GET", "/management/v1/metadata/k", {
        as: "iam-admin",
        headers: { "x-zitadel-orgid": "1" },
      });
      expect(unknownOrg.status).toBe(403);
      expect(unknownOrg.json).toEqual(errorBody(7, "AUTH-Bs7Ds", "Organisation doesn't exist"));
    });
  });

  describe("every error row: HTTP status and body", () => {
    const cases: [string, () => Promise<{ status: number; json: unknown }>, number, unknown][] = [
      ["no auth header", () => rest("GET", "/management/v1/metadata/k"), 401, { code: 16, message: "auth header missing" }],
      [
        "malformed auth header",
        () => rest("GET", "/management/v1/metadata/k", { headers: { authorization: "Token x" } }),
        401,
        errorBody(16, "AUTH-toLo1", "invalid auth header"),
      ],
      [
        "unknown token",
        () => rest("GET", "/management/v1/metadata/k", { headers: { authorization: "Bearer nope" } }),
        401,
        errorBody(16, "AUTH-7fs1e", "Errors.Token.Invalid"),
      ],
      ["no membership", () => rest("GET", "/management/v1/metadata/k", { as: "alice" }), 404, errorBody(5, "AUTHZ-cdgFk", "membership not found")],
      [
        "no permission",
        () => rest("POST", "/management/v1/metadata/k", { as: "acme-viewer", body: { value: "eA==" } }),
        403,
        errorBody(7, "AUTH-5mWD2", "No matching permissions found"),
      ],
      [
        "get user key missing",
        () => rest("GET", `/management/v1/users/${alice()}/metadata/nope`, { as: "acme-admin" }),
        404,
        errorBody(5, "QUERY-Rgh32", "Metadata not found"),
      ],
      ["get my key missing", () => rest("GET", "/auth/v1/users/me/metadata/nope", { as: "alice" }), 404, errorBody(5, "QUERY-Rgh32", "Metadata not found")],
      ["get org key missing", () => rest("GET", "/management/v1/metadata/nope", { as: "acme-admin" }), 404, errorBody(5, "QUERY-Rph32", "Metadata not found")],
      [
        "remove user key missing",
        () => rest("DELETE", `/management/v1/users/${alice()}/metadata/nope`, { as: "acme-admin" }),
        404,
        errorBody(5, "META-ncnw3", "Metadata not found"),
      ],
      [
        "remove org key missing",
        () => rest("DELETE", "/management/v1/metadata/nope", { as: "acme-admin" }),
        404,
        errorBody(5, "META-mcnw3", "Metadata not found"),
      ],
      [
        "bulk remove user key missing",
        () => rest("DELETE", `/management/v1/users/${alice()}/metadata/_bulk`, { as: "acme-admin", body: { keys: ["nope"] } }),
        404,
        errorBody(5, "META-2nnds", "One or more keys do not exist"),
      ],
      [
        "bulk remove org key missing",
        () => rest("DELETE", "/management/v1/metadata/_bulk", { as: "acme-admin", body: { keys: ["nope"] } }),
        404,
        errorBody(5, "META-2npds", "One or more keys do not exist"),
      ],
      [
        "bulk set user empty",
        () => rest("POST", `/management/v1/users/${alice()}/metadata/_bulk`, { as: "acme-admin", body: { metadata: [] } }),
        400,
        errorBody(9, "META-9mm2d", "Metadata list is empty"),
      ],
      [
        "bulk remove user empty",
        () => rest("DELETE", `/management/v1/users/${alice()}/metadata/_bulk`, { as: "acme-admin", body: {} }),
        400,
        errorBody(9, "META-9mm2d", "Metadata list is empty"),
      ],
      [
        "bulk set org empty",
        () => rest("POST", "/management/v1/metadata/_bulk", { as: "acme-admin", body: {} }),
        400,
        errorBody(9, "META-9mm2d", "Metadata list is empty"),
      ],
      [
        "bulk remove org empty",
        () => rest("DELETE", "/management/v1/metadata/_bulk", { as: "acme-admin", body: { keys: [] } }),
        400,
        errorBody(9, "META-9mw2d", "Metadata list is empty"),
      ],
      [
        "user write on a missing user",
        () => rest("POST", "/management/v1/users/123/metadata/k", { as: "acme-admin", body: { value: "eA==" } }),
        400,
        errorBody(9, "COMMAND-uXHNj", "User could not be found"),
      ],
      [
        "validation",
        () => rest("POST", `/management/v1/users/${alice()}/metadata/${"k".repeat(201)}`, { as: "acme-admin", body: { value: "eA==" } }),
        400,
        { code: 3, message: "invalid SetUserMetadataRequest.Key: value length must be between 1 and 200 runes, inclusive" },
      ],
    ];
    for (const [label, call, status, body] of cases) {
      it(label, async () => {
        const res = await call();
        expect({ status: res.status, body: res.json }).toEqual({ status, body });
      });
    }

    it('a Status without ErrorDetail has no "details" key at all (never []); one with it keeps the shape', async () => {
      const long = "k".repeat(201);
      for (const [method, path, as, body] of [
        ["POST", `/management/v1/users/${alice()}/metadata/${long}`, "acme-admin", '{"value":"eA=="}'], // validation
        ["GET", "/management/v1/metadata/k", undefined, undefined], // auth header missing
        ["GET", "/management/v1/nothing/here", "acme-admin", undefined], // no route
        ["PUT", "/management/v1/metadata/k", "acme-admin", "{}"], // another verb's route
      ] as const) {
        const res = await raw(method, path, { as, body });
        expect(Object.keys(JSON.parse(res.text)), `${method} ${path}`).toEqual(["code", "message"]);
        expect(res.text).not.toContain("details");
      }
      const missing = await raw("GET", "/management/v1/metadata/nope", { as: "acme-admin" });
      expect(missing.text).toBe(
        '{"code":5,"message":"Metadata not found (QUERY-Rph32)","details":[{"@type":"type.googleapis.com/zitadel.v1.ErrorDetail","id":"QUERY-Rph32","message":"Metadata not found"}]}',
      );
    });

    it("every 401 carries WWW-Authenticate holding the status message; other statuses do not", async () => {
      const unauthenticated: [Record<string, string>, string][] = [
        [{}, "auth header missing"],
        [{ authorization: "Token x" }, "invalid auth header (AUTH-toLo1)"],
        [{ authorization: "Bearer nope" }, "Errors.Token.Invalid (AUTH-7fs1e)"],
      ];
      for (const [headers, message] of unauthenticated) {
        for (const [method, path] of [
          ["GET", "/management/v1/metadata/k"],
          ["POST", `/management/v1/users/${alice()}/metadata/_search`],
          ["GET", "/auth/v1/users/me/metadata/k"],
        ]) {
          const res = await raw(method!, path!, { headers, body: method === "POST" ? "{}" : undefined });
          expect({ status: res.status, message: JSON.parse(res.text).message, wwwAuthenticate: res.headers["www-authenticate"] }).toEqual({
            status: 401,
            message,
            wwwAuthenticate: message,
          });
        }
      }
      const forbidden = await raw("POST", "/management/v1/metadata/k", { as: "acme-viewer", body: '{"value":"eA=="}' });
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers["www-authenticate"]).toBeUndefined();
      const ok = await raw("GET", "/auth/v1/users/me/metadata/key1", { as: "alice" });
      expect(ok.headers["www-authenticate"]).toBeUndefined();
    });
  });
});
