// The emulator's REST gateway, spoken to with plain HTTP (fetch), not our client:
// the documented curl calls, exact JSON bodies, error statuses and bodies, routing.
import { describe, expect, it } from "vitest";
import { useEmulator } from "./support/emulator.js";

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
      expect((search.json as { result: { key: string; value: string }[] }).result).toEqual([
        expect.objectContaining({ key: "snake", value: "AQI=" }),
      ]);
    });

    it("an empty body is an empty request, rejected by validation as ZITADEL does", async () => {
      const res = await rest("POST", `/management/v1/users/${alice()}/metadata/k`, { as: "acme-admin" });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({
        code: 3,
        message: "invalid SetUserMetadataRequest.Value: value length must be between 1 and 500000 bytes, inclusive",
        details: [],
      });
    });

    it("invalid JSON and invalid base64: 400 InvalidArgument saying what was wrong; nothing written", async () => {
      const bad = await rest("POST", `/management/v1/users/${alice()}/metadata/k`, { as: "acme-admin", body: "{not json" });
      expect(bad.status).toBe(400);
      expect(bad.json).toEqual({ code: 3, message: expect.stringMatching(/^invalid JSON in the request body: /), details: [] });
      const b64 = await rest("POST", `/management/v1/users/${alice()}/metadata/k`, { as: "acme-admin", body: { value: "!!!" } });
      expect(b64.status).toBe(400);
      expect(b64.json).toEqual({ code: 3, message: expect.stringMatching(/SetUserMetadataRequest\.value.*base64/), details: [] });
      const missing = await rest("GET", `/management/v1/users/${alice()}/metadata/k`, { as: "acme-admin" });
      expect(missing.status).toBe(404);
    });

    it("odd keys round-trip through percent-encoded path segments", async () => {
      for (const key of ["a/b", "100%", "with space", "ünïcödé", "q?x#y", "plus+sign", "%2F", "a.b"]) {
        // Dots too: "." and ".." segments would otherwise be resolved away by URL handling.
        const path = `/management/v1/users/${alice()}/metadata/${encodeURIComponent(key).replaceAll(".", "%2E")}`;
        const set = await rest("POST", path, { as: "acme-admin", body: { value: "eA==" } });
        expect(set.status, key).toBe(200);
        const got = await rest("GET", path, { as: "acme-admin" });
        expect((got.json as { metadata: { key: string } }).metadata.key, key).toBe(key);
        expect((await rest("DELETE", path, { as: "acme-admin" })).status, key).toBe(200);
      }
    });

    it('keys "." and ".." work when the client sends them encoded (fetch cannot: URLs resolve %2E%2E)', async () => {
      const { request } = await import("node:http");
      const send = (method: string, path: string, body?: string) =>
        new Promise<number>((resolve, reject) => {
          // Host, port and path given apart: a URL string would be normalized too.
          const req = request({
            host: "127.0.0.1",
            port: emulator().port,
            path,
            method,
            headers: { authorization: `Bearer ${emulator().user("acme-admin").token}` },
          });
          req.on("response", (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on("error", reject);
          req.end(body);
        });
      const path = `/management/v1/users/${alice()}/metadata/%2E%2E`;
      expect(await send("POST", path, '{"value":"eA=="}')).toBe(200);
      const listed = await rest("POST", `/management/v1/users/${alice()}/metadata/_search`, { as: "acme-admin", body: {} });
      expect((listed.json as { result: { key: string }[] }).result.map((m) => m.key)).toContain("..");
      expect(await send("DELETE", path)).toBe(200);
    });
  });

  describe("routing", () => {
    it("_bulk and _search win over {key}; DELETE with a body removes in bulk", async () => {
      const base = `/management/v1/users/${alice()}/metadata`;
      await rest("POST", `${base}/_bulk`, {
        as: "acme-admin",
        body: { metadata: [{ key: "r1", value: "MQ==" }, { key: "r2", value: "Mg==" }] },
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
      expect(unknown.json).toEqual({ code: 5, message: "Not Found", details: [] });
      const wrong = await rest("PUT", `/management/v1/users/${alice()}/metadata/k`, { as: "acme-admin", body: {} });
      expect(wrong.status).toBe(405);
      expect(wrong.json).toEqual({ code: 12, message: "Method Not Allowed", details: [] });
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
      ["no auth header", () => rest("GET", "/management/v1/metadata/k"), 401, { code: 16, message: "auth header missing", details: [] }],
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
      ["get user key missing", () => rest("GET", `/management/v1/users/${alice()}/metadata/nope`, { as: "acme-admin" }), 404, errorBody(5, "QUERY-Rgh32", "Metadata not found")],
      ["get my key missing", () => rest("GET", "/auth/v1/users/me/metadata/nope", { as: "alice" }), 404, errorBody(5, "QUERY-Rgh32", "Metadata not found")],
      ["get org key missing", () => rest("GET", "/management/v1/metadata/nope", { as: "acme-admin" }), 404, errorBody(5, "QUERY-Rph32", "Metadata not found")],
      ["remove user key missing", () => rest("DELETE", `/management/v1/users/${alice()}/metadata/nope`, { as: "acme-admin" }), 404, errorBody(5, "META-ncnw3", "Metadata not found")],
      ["remove org key missing", () => rest("DELETE", "/management/v1/metadata/nope", { as: "acme-admin" }), 404, errorBody(5, "META-mcnw3", "Metadata not found")],
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
      ["bulk set org empty", () => rest("POST", "/management/v1/metadata/_bulk", { as: "acme-admin", body: {} }), 400, errorBody(9, "META-9mm2d", "Metadata list is empty")],
      ["bulk remove org empty", () => rest("DELETE", "/management/v1/metadata/_bulk", { as: "acme-admin", body: { keys: [] } }), 400, errorBody(9, "META-9mw2d", "Metadata list is empty")],
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
        { code: 3, message: "invalid SetUserMetadataRequest.Key: value length must be between 1 and 200 runes, inclusive", details: [] },
      ],
    ];
    for (const [label, call, status, body] of cases) {
      it(label, async () => {
        const res = await call();
        expect({ status: res.status, body: res.json }).toEqual({ status, body });
      });
    }
  });
});
