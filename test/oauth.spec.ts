// The emulator's OAuth endpoints, spoken to directly: discovery, the JWT
// profile and client credentials grants, RFC 6749 error responses, token
// lifetime and revocation, key files and the request counters.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, statSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KeyObject } from "node:crypto";
import { createPrivateKey } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Emulator } from "../src/emulator/index.js";
import { startEmulator } from "../src/emulator/index.js";
import { useEmulator } from "./support/emulator.js";
import { clientsAs, expectZitadelError } from "./support/protocols.js";
import { http1, http2Request } from "./support/raw-http.js";

const jwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const scope = "openid urn:zitadel:iam:org:project:id:zitadel:aud";

interface KeyFile {
  type: string;
  keyId: string;
  key: string;
  userId: string;
}

function readKeyFile(emulator: Emulator): KeyFile & { privateKey: KeyObject } {
  const file = JSON.parse(readFileSync(emulator.user("acme-bot").keyFile!, "utf8")) as KeyFile;
  return { ...file, privateKey: createPrivateKey(file.key) };
}

interface AssertionClaims {
  iss?: string;
  sub?: string;
  aud?: string;
  iat?: number;
  exp?: number;
}

/** An RS256 assertion; claims default to a valid one for the key file. */
async function assertion(emulator: Emulator, overrides: { kid?: string; key?: KeyObject; claims?: AssertionClaims } = {}): Promise<string> {
  const file = readKeyFile(emulator);
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: file.userId, sub: file.userId, aud: emulator.url, iat: now, exp: now + 60, ...overrides.claims };
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: "RS256", kid: overrides.kid ?? file.keyId }).sign(overrides.key ?? file.privateKey);
}

async function tokenRequest(
  emulator: Emulator,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${emulator.url}/oauth/v2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

afterEach(() => {
  vi.useRealTimers();
});

describe("OpenID discovery", () => {
  const emulator = useEmulator();

  it("names the issuer and the token endpoint, and is counted", async () => {
    const before = emulator().discoveryRequests;
    const res = await fetch(`${emulator().url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: emulator().url,
      token_endpoint: `${emulator().url}/oauth/v2/token`,
      grant_types_supported: expect.arrayContaining(["client_credentials", jwtBearer]),
      token_endpoint_auth_methods_supported: ["client_secret_basic"],
    });
    expect(emulator().discoveryRequests - before).toBe(1);
  });

  it("names the issuer after the host the client called, and wants assertions for that issuer", async () => {
    const discovery = `${emulator().url}/.well-known/openid-configuration`;
    const issuerFor = async (headers: Record<string, string>, send = http1) =>
      JSON.parse((await send(discovery, { method: "GET", headers })).body.toString()) as { issuer: string; token_endpoint: string };
    // As ZITADEL names an instance by its domain: reached as localhost, the emulator's issuer is localhost.
    expect(await issuerFor({ host: "localhost:8123" })).toMatchObject({
      issuer: "http://localhost:8123",
      token_endpoint: "http://localhost:8123/oauth/v2/token",
    });
    expect((await issuerFor({ ":authority": "Zitadel.Localhost:9" }, http2Request)).issuer).toBe("http://zitadel.localhost:9");
    // A Host that is not a plain host[:port] is not trusted to build a URL from.
    expect((await issuerFor({ host: "user@localhost:8123" })).issuer).toBe(emulator().url);

    const form = async (aud: string) =>
      new URLSearchParams({ grant_type: jwtBearer, scope, assertion: await assertion(emulator(), { claims: { aud } }) }).toString();
    const token = (host: string, body: string) =>
      http1(`${emulator().url}/oauth/v2/token`, {
        headers: { host, "content-type": "application/x-www-form-urlencoded" },
        body,
      }).then((res) => ({ status: res.status, body: JSON.parse(res.body.toString()) as Record<string, unknown> }));
    expect((await token("localhost:8123", await form("http://localhost:8123"))).status).toBe(200);
    const elsewhere = await token(new URL(emulator().url).host, await form("http://localhost:8123"));
    expect(elsewhere).toMatchObject({ status: 400, body: { error: "invalid_grant", error_description: `assertion aud must be the issuer ${emulator().url}` } });
  });

  it("answers a CORS preflight for the token endpoint", async () => {
    const res = await fetch(`${emulator().url}/oauth/v2/token`, {
      method: "OPTIONS",
      headers: { origin: "http://app.test", "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://app.test");
    expect(res.headers.get("access-control-allow-headers")).toMatch(/authorization/);
  });

  it("serves the token endpoint over HTTP/2 too", async () => {
    const session = http2.connect(emulator().url);
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": "/oauth/v2/token",
          "content-type": "application/x-www-form-urlencoded",
        });
        let status = 0;
        let body = "";
        stream.on("response", (h) => (status = Number(h[":status"])));
        stream.on("data", (c: Buffer) => (body += c.toString()));
        stream.on("end", () => resolve({ status, body }));
        stream.on("error", reject);
        stream.end("grant_type=password");
      });
      expect(status).toBe(400);
      expect(JSON.parse(body)).toMatchObject({ error: "unsupported_grant_type" });
    } finally {
      session.close();
    }
  });
});

describe("the JWT profile grant", () => {
  const lines: string[] = [];
  const emulator = useEmulator({ tokenTtlSeconds: 600, log: (line) => lines.push(line) });

  it("exchanges a valid assertion for a token that works on every API and expires_in the TTL", async () => {
    const before = emulator().tokenRequests;
    const res = await tokenRequest(emulator(), { grant_type: jwtBearer, scope, assertion: await assertion(emulator()) });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.body).toMatchObject({ token_type: "Bearer", expires_in: 600 });
    expect(typeof res.body.access_token).toBe("string");
    expect(emulator().tokenRequests - before).toBe(1);
    const { mgmt } = clientsAs(emulator(), "grpc", "acme-bot", { auth: res.body.access_token as string });
    await mgmt.setOrgMetadata({ key: "from-jwt", value: new Uint8Array([1]) });
    expect(lines.some((l) => /^oauth token jwt-bearer ok acme-bot /.test(l))).toBe(true);
  });

  const otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const now = () => Math.floor(Date.now() / 1000);
  const rejected: [string, () => Promise<Record<string, string>>, string, RegExp][] = [
    ["an unknown kid", async () => ({ assertion: await assertion(emulator(), { kid: "123456789" }) }), "invalid_grant", /kid/],
    ["a key other than the kid's", async () => ({ assertion: await assertion(emulator(), { key: otherKey }) }), "invalid_grant", /signature/],
    [
      "an expired assertion",
      async () => ({ assertion: await assertion(emulator(), { claims: { iat: now() - 600, exp: now() - 300 } }) }),
      "invalid_grant",
      /expired/,
    ],
    [
      "a wrong audience",
      async () => ({ assertion: await assertion(emulator(), { claims: { aud: "https://other.zitadel.cloud" } }) }),
      "invalid_grant",
      /aud must be the issuer/,
    ],
    [
      "iss or sub other than the key's user",
      async () => ({ assertion: await assertion(emulator(), { claims: { sub: "1" } }) }),
      "invalid_grant",
      /iss and sub/,
    ],
    [
      "an assertion valid for more than an hour",
      async () => ({ assertion: await assertion(emulator(), { claims: { exp: now() + 7200 } }) }),
      "invalid_grant",
      /at most 1 hour/,
    ],
    [
      "an iat in the future",
      async () => ({ assertion: await assertion(emulator(), { claims: { iat: now() + 600, exp: now() + 900 } }) }),
      "invalid_grant",
      /future/,
    ],
    ["an assertion without exp", async () => ({ assertion: await assertion(emulator(), { claims: { exp: undefined } }) }), "invalid_grant", /no "exp"/],
    ["an unsigned assertion", async () => ({ assertion: "eyJhbGciOiJub25lIn0.e30." }), "invalid_grant", /RS256/],
    ["garbage", async () => ({ assertion: "not-a-jwt" }), "invalid_grant", /not a JWT/],
    ["no assertion", async () => ({}), "invalid_request", /assertion/],
    [
      "a scope without the ZITADEL audience",
      async () => ({ assertion: await assertion(emulator()), scope: "openid" }),
      "invalid_scope",
      /urn:zitadel:iam:org:project:id:zitadel:aud/,
    ],
    ["an unknown scope", async () => ({ assertion: await assertion(emulator()), scope: `${scope} admin` }), "invalid_scope", /unknown scope "admin"/],
    ["no scope", async () => ({ assertion: await assertion(emulator()), scope: "" }), "invalid_scope", /scope must include/],
  ];
  it.each(rejected)("rejects %s with the OAuth error of RFC 6749", async (_name, form, error, description) => {
    const before = emulator().tokenRequests;
    const res = await tokenRequest(emulator(), { grant_type: jwtBearer, scope, ...(await form()) });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.body.error).toBe(error);
    expect(res.body.error_description).toMatch(description);
    expect(Object.keys(res.body).sort()).toEqual(["error", "error_description"]);
    expect(emulator().tokenRequests - before).toBe(1);
  });
});

describe("the client credentials grant", () => {
  const emulator = useEmulator();
  const bot = () => emulator().user("acme-bot");

  it("issues a token for the machine user's client id and secret (HTTP Basic)", async () => {
    const res = await tokenRequest(
      emulator(),
      { grant_type: "client_credentials", scope },
      {
        authorization: basic(bot().clientId!, bot().clientSecret!),
      },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: "Bearer", expires_in: 43_200 });
    const { auth } = clientsAs(emulator(), "grpc-web", "acme-bot", { auth: res.body.access_token as string });
    expect((await auth.listMyMetadata({})).result).toEqual([]);
  });

  const refused: [string, () => string | undefined, RegExp][] = [
    ["a wrong secret", () => basic(bot().clientId!, "wrong"), /wrong/],
    ["an unknown client", () => basic("nobody", "x"), /wrong/],
    ["no client authentication", () => undefined, /HTTP Basic/],
    ["credentials that are not Basic", () => "Bearer abc", /not HTTP Basic/],
  ];
  it.each(refused)("answers %s with 401 invalid_client and WWW-Authenticate", async (_name, authorization, description) => {
    const value = authorization();
    const res = await tokenRequest(emulator(), { grant_type: "client_credentials", scope }, value ? { authorization: value } : {});
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic /);
    expect(res.body).toMatchObject({ error: "invalid_client" });
    expect(res.body.error_description).toMatch(description);
  });

  it("rejects requests that are not token requests", async () => {
    expect((await tokenRequest(emulator(), { grant_type: "password", scope })).body.error).toBe("unsupported_grant_type");
    expect((await tokenRequest(emulator(), { scope })).body.error).toBe("invalid_request");
    const json = await fetch(`${emulator().url}/oauth/v2/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect([json.status, ((await json.json()) as { error: string }).error]).toEqual([400, "invalid_request"]);
    const get = await fetch(`${emulator().url}/oauth/v2/token`);
    expect([get.status, get.headers.get("allow")]).toEqual([405, "POST, OPTIONS"]);
    const twice = await fetch(`${emulator().url}/oauth/v2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&grant_type=client_credentials",
    });
    expect(((await twice.json()) as { error_description: string }).error_description).toMatch(/more than once/);
  });
});

describe("issued tokens", () => {
  const emulator = useEmulator({ tokenTtlSeconds: 60 });

  const issue = async () => {
    const bot = emulator().user("acme-bot");
    const res = await tokenRequest(
      emulator(),
      { grant_type: "client_credentials", scope },
      {
        authorization: basic(bot.clientId!, bot.clientSecret!),
      },
    );
    return res.body.access_token as string;
  };

  it("fail with AUTH-7fs1e once the TTL has passed", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const token = await issue();
    const { mgmt } = clientsAs(emulator(), "grpc-web", "acme-bot", { auth: token });
    vi.setSystemTime(Date.now() + 59_000);
    await mgmt.listOrgMetadata({});
    vi.setSystemTime(Date.now() + 1_000);
    await expectZitadelError(mgmt.listOrgMetadata({}), { code: Code.Unauthenticated, id: "AUTH-7fs1e", text: "Errors.Token.Invalid" });
  });

  it("fail with AUTH-7fs1e once revoked", async () => {
    const token = await issue();
    const { mgmt } = clientsAs(emulator(), "grpc", "acme-bot", { auth: token });
    await mgmt.listOrgMetadata({});
    expect(emulator().revokeToken(token)).toBe(true);
    expect(emulator().revokeToken(token)).toBe(false);
    await expectZitadelError(mgmt.listOrgMetadata({}), { code: Code.Unauthenticated, id: "AUTH-7fs1e", text: "Errors.Token.Invalid" });
  });
});

describe("machine users and their key files", () => {
  it("the default seed's acme-bot is ORG_OWNER of acme with a key file, client id and secret in the ready line", async () => {
    const emulator = await startEmulator();
    try {
      const ready = JSON.parse(JSON.stringify(emulator.readyInfo())) as ReturnType<Emulator["readyInfo"]>;
      const bot = ready.users.find((u) => u.userName === "acme-bot")!;
      expect(bot).toMatchObject({ orgId: emulator.org("acme").id, roles: ["ORG_OWNER"], clientId: "acme-bot" });
      expect(Object.keys(bot)).toEqual(["id", "userName", "orgId", "roles", "token", "keyFile", "clientId", "clientSecret"]);
      expect(ready.users.filter((u) => u.keyFile !== undefined).map((u) => u.userName)).toEqual(["acme-bot"]);
      const file = JSON.parse(readFileSync(bot.keyFile!, "utf8")) as KeyFile;
      expect(file).toMatchObject({ type: "serviceaccount", userId: bot.id });
      expect(file.keyId).toMatch(/^\d{18}$/);
      expect(file.key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
      if (process.platform !== "win32") expect(statSync(bot.keyFile!).mode & 0o077).toBe(0);
      await emulator.close();
      expect(existsSync(bot.keyFile!)).toBe(false);
    } finally {
      await emulator.close();
    }
  });

  it("writes key files to keyDir when given, removes them on close and keeps the directory", async () => {
    const keyDir = mkdtempSync(join(tmpdir(), "zmeta-keys-"));
    try {
      const emulator = await startEmulator({
        keyDir,
        seed: {
          orgs: [{ name: "acme" }],
          users: [{ userName: "ci-bot", org: "acme", roles: ["ORG_OWNER"], machine: { clientSecret: "fixed-secret-123" } }],
        },
      });
      const bot = emulator.user("ci-bot");
      expect(bot.clientSecret).toBe("fixed-secret-123");
      expect(readdirSync(keyDir)).toEqual([bot.keyFile!.slice(keyDir.length + 1)]);
      await emulator.close();
      expect(readdirSync(keyDir)).toEqual([]);
    } finally {
      rmSync(keyDir, { recursive: true, force: true });
    }
  });

  it("refuses a token TTL that is not a whole number of seconds", async () => {
    await expect(startEmulator({ tokenTtlSeconds: 0.5 })).rejects.toThrow(/tokenTtlSeconds/);
    await expect(startEmulator({ tokenTtlSeconds: 0 })).rejects.toThrow(/tokenTtlSeconds/);
  });
});
