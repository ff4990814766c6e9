// Hardening of the client's credentials, over real sockets on 127.0.0.1:
// token and discovery requests never follow redirects, a discovered token
// endpoint on another origin is refused unless opted in, oversized token
// responses are refused unread, an OAuth error on HTTP 5xx is Unavailable
// (and retried), secrets a token endpoint echoes are redacted, a bearer
// token a server echoes never reaches a call's error on any protocol, and
// text UTF-8 cannot carry is refused before sending.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusSchema } from "../gen/google/rpc/status_pb.js";
import { ErrorDetailSchema } from "../gen/zitadel/message_pb.js";
import type { ZitadelProtocol } from "../src/index.js";
import { clientCredentials, createManagementClient, createZitadelTransport, serviceAccountKey, TokenRequestError } from "../src/index.js";
import { useEmulator } from "./support/emulator.js";
import { rejection } from "./support/failures.js";
import { startFront } from "./support/retry-front.js";

const allProtocols: readonly ZitadelProtocol[] = ["grpc", "grpc-web", "connect", "rest"];
const emulator = useEmulator({ connectV1: true });

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** An HTTP/1.1 server on 127.0.0.1 port 0 whose handler the test sets; it records every request. */
async function startServer(handler: Handler) {
  const seen: { method: string; path: string; headers: IncomingMessage["headers"]; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
type Server = Awaited<ReturnType<typeof startServer>>;

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};

const servers: Server[] = [];
async function server(handler: Handler): Promise<Server> {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const tokenFrom = (source: (s: AbortSignal) => unknown) => Promise.resolve().then(() => source(new AbortController().signal));
const failureOf = async (source: (s: AbortSignal) => unknown): Promise<TokenRequestError> => {
  const e = await tokenFrom(source).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(e).toBeInstanceOf(TokenRequestError);
  return e as TokenRequestError;
};

describe("token and discovery requests never follow redirects", () => {
  it("a 307 from discovery or the token endpoint is an error naming the Location's origin; the target gets nothing", async () => {
    const elsewhere = await server((_req, res) => json(res, 200, { access_token: "stolen", token_type: "Bearer" }));
    const discovery = await server((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/.well-known/openid-configuration?code=abc` });
      res.end();
    });
    const e1 = await failureOf(clientCredentials({ clientId: "bot", clientSecret: "the-client-secret", issuer: discovery.url }));
    expect(e1.message).toBe(
      `OpenID discovery at ${discovery.url}/.well-known/openid-configuration answered with a redirect (HTTP 307) to ${elsewhere.url}; ` +
        "discovery and token requests never follow redirects, since they carry a credential. Use the address ZITADEL answers on itself.",
    );
    const token = await server((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/oauth/v2/token` });
      res.end();
    });
    const key = emulator().user("acme-bot").keyFile!;
    const e2 = await failureOf(serviceAccountKey(key, { issuer: emulator().url, tokenEndpoint: `${token.url}/oauth/v2/token` }));
    expect(e2.message).toMatch(new RegExp(`^token request to ${token.url}/oauth/v2/token answered with a redirect \\(HTTP 307\\) to ${elsewhere.url};`));
    // The assertion went to the endpoint named, and nowhere else.
    expect(token.seen).toHaveLength(1);
    expect(token.seen[0]!.body).toContain("assertion=");
    expect(elsewhere.seen).toEqual([]);
  });
});

describe("a discovered token endpoint on another origin than the issuer", () => {
  it("is refused before the credential goes anywhere, unless allowCrossOriginTokenEndpoint is set", async () => {
    const tokens = await server((_req, res) => json(res, 200, { access_token: "from-the-other-origin", token_type: "Bearer", expires_in: 300 }));
    const issuer = await server((_req, res) => json(res, 200, { issuer: issuerUrl(), token_endpoint: `${tokens.url}/oauth/v2/token` }));
    const issuerUrl = () => issuer.url;
    const refused = await failureOf(clientCredentials({ clientId: "bot", clientSecret: "the-client-secret", issuer: issuer.url }));
    expect(refused.message).toMatch(
      new RegExp(
        `^OpenID discovery at ${issuer.url}/.well-known/openid-configuration names the token endpoint ${tokens.url}/oauth/v2/token, on another origin than the issuer ${issuer.url}; no credential was sent there\\.`,
      ),
    );
    expect(tokens.seen).toEqual([]);
    const allowed = clientCredentials({ clientId: "bot", clientSecret: "the-client-secret", issuer: issuer.url, allowCrossOriginTokenEndpoint: true });
    expect(await tokenFrom(allowed)).toBe("from-the-other-origin");
    expect(tokens.seen).toHaveLength(1);
  });
});

describe("token responses over 64 KiB", () => {
  it("are refused unread, with or without a content-length", async () => {
    const big = "x".repeat(100_000);
    const sized = await server((_req, res) => {
      const body = JSON.stringify({ access_token: "t", pad: big });
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
      res.end(body);
    });
    const chunked = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write(`{"access_token":"t","pad":"`);
      for (let i = 0; i < 20; i++) res.write("y".repeat(10_000));
      res.end(`"}`);
    });
    const withLength = await failureOf(clientCredentials({ clientId: "bot", clientSecret: "s3cret-s3cret", issuer: emulator().url, tokenEndpoint: sized.url }));
    expect(withLength.message).toMatch(
      /answered HTTP 200 with 100029 bytes, more than 64 KiB, the most a discovery document or token response may have; it was refused unread\.$/,
    );
    const withoutLength = await failureOf(
      clientCredentials({ clientId: "bot", clientSecret: "s3cret-s3cret", issuer: emulator().url, tokenEndpoint: chunked.url }),
    );
    expect(withoutLength.message).toMatch(/answered HTTP 200 with more than 64 KiB, /);
  });
});

describe("an OAuth error on HTTP 5xx", () => {
  it("temporarily_unavailable and server_error are Unavailable, and the call is retried into success", async () => {
    let failures = 2;
    const token = await server((_req, res) => {
      if (failures-- > 0) return json(res, failures === 1 ? 503 : 500, { error: failures === 1 ? "temporarily_unavailable" : "server_error" });
      json(res, 200, { access_token: emulator().user("acme-admin").token, token_type: "Bearer", expires_in: 300 });
    });
    const source = () => clientCredentials({ clientId: "bot", clientSecret: "s3cret-s3cret", issuer: emulator().url, tokenEndpoint: token.url });
    const once = createManagementClient(createZitadelTransport({ baseUrl: emulator().url, protocol: "grpc", auth: source(), retry: false }));
    const err = await rejection(once.listOrgMetadata({}));
    expect([err.code, err.rawMessage]).toEqual([
      Code.Unavailable,
      `could not get an access token: token request to ${token.url}/ failed: HTTP 503, temporarily_unavailable.`,
    ]);
    failures = 2;
    const retried = createManagementClient(createZitadelTransport({ baseUrl: emulator().url, protocol: "grpc", auth: source(), retry: { random: () => 0 } }));
    await retried.listOrgMetadata({});
    expect(token.seen.length).toBe(4);
  });

  it("while a refusal on HTTP 4xx stays Unauthenticated", async () => {
    const token = await server((_req, res) => json(res, 401, { error: "invalid_client" }));
    const mgmt = createManagementClient(
      createZitadelTransport({
        baseUrl: emulator().url,
        protocol: "grpc",
        auth: clientCredentials({ clientId: "bot", clientSecret: "s3cret-s3cret", issuer: emulator().url, tokenEndpoint: token.url }),
      }),
    );
    expect((await rejection(mgmt.listOrgMetadata({}))).code).toBe(Code.Unauthenticated);
    expect(token.seen).toHaveLength(1);
  });
});

describe("secrets a token endpoint echoes are redacted", () => {
  it("in the OAuth error field, as bare base64 id:secret, and an assertion's signature", async () => {
    const secret = "the-client-secret-42";
    const echo = await server((req, res, body) => {
      const basic = String(req.headers.authorization ?? "").replace(/^Basic /, "");
      const assertion = new URLSearchParams(body).get("assertion") ?? "";
      const signature = assertion.split(".")[2] ?? "";
      json(res, 400, { error: basic ? `bad_${secret}` : "invalid_grant", error_description: basic ? `you sent ${basic}` : `signature ${signature} is wrong` });
    });
    const e1 = await failureOf(clientCredentials({ clientId: "bot", clientSecret: secret, issuer: emulator().url, tokenEndpoint: echo.url }));
    expect(e1.message).toBe(`token request to ${echo.url}/ failed: HTTP 400, bad_[redacted]: you sent [redacted].`);
    expect(inspect(e1, { depth: 5 })).not.toContain(secret);
    const key = emulator().user("acme-bot").keyFile!;
    const e2 = await failureOf(serviceAccountKey(key, { issuer: emulator().url, tokenEndpoint: echo.url }));
    expect(e2.message).toBe(
      `token request to ${echo.url}/ failed: HTTP 400, invalid_grant: signature [redacted] is wrong. Check that the key belongs to this ZITADEL instance and has not been removed or expired.`,
    );
  });
});

describe("a bearer token a server echoes back", () => {
  const token = "echo-me-if-you-dare-0123456789";
  const detail = () => anyPack(ErrorDetailSchema, create(ErrorDetailSchema, { id: "ECHO-1", message: `you sent Bearer ${token}` }));
  let h1: Server;
  let h2: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    // One error per protocol, each echoing the authorization header in its message, a header and an ErrorDetail.
    h1 = await server((req, res) => {
      const auth = String(req.headers.authorization);
      const echoed = { "x-echo": auth };
      const contentType = String(req.headers["content-type"] ?? "");
      if (contentType.startsWith("application/grpc-web")) {
        const status = toBinary(StatusSchema, create(StatusSchema, { code: Code.Internal, message: `echo: ${auth}`, details: [detail()] }));
        res.writeHead(200, {
          ...echoed,
          "content-type": "application/grpc-web+proto",
          "grpc-status": "13",
          "grpc-message": encodeURIComponent(`echo: ${auth}`),
          "grpc-status-details-bin": Buffer.from(status).toString("base64"),
        });
        return void res.end();
      }
      if (contentType.startsWith("application/proto") || (contentType.startsWith("application/json") && req.url?.startsWith("/zitadel."))) {
        const value = Buffer.from(toBinary(ErrorDetailSchema, create(ErrorDetailSchema, { id: "ECHO-1", message: `you sent ${auth}` })))
          .toString("base64")
          .replace(/=+$/, "");
        return json(res, 500, { code: "internal", message: `echo: ${auth}`, details: [{ type: "zitadel.v1.ErrorDetail", value }] }, echoed);
      }
      json(
        res,
        500,
        { code: 13, message: `echo: ${auth}`, details: [{ "@type": "type.googleapis.com/zitadel.v1.ErrorDetail", id: "ECHO-1", message: `you sent ${auth}` }] },
        echoed,
      );
    });
    const server2 = http2.createServer();
    const sessions = new Set<http2.ServerHttp2Session>();
    server2.on("session", (session) => {
      session.on("error", () => undefined);
      sessions.add(session);
      session.on("close", () => sessions.delete(session));
    });
    server2.on("stream", (stream, headers) => {
      stream.on("error", () => undefined);
      const auth = String(headers.authorization);
      const status = toBinary(StatusSchema, create(StatusSchema, { code: Code.Internal, message: `echo: ${auth}`, details: [detail()] }));
      stream.respond(
        {
          ":status": 200,
          "x-echo": auth,
          "content-type": "application/grpc",
          "grpc-status": "13",
          "grpc-message": encodeURIComponent(`echo: ${auth}`),
          "grpc-status-details-bin": Buffer.from(status).toString("base64"),
        },
        { endStream: true },
      );
    });
    await new Promise<void>((resolve) => server2.listen(0, "127.0.0.1", resolve));
    h2 = {
      url: `http://127.0.0.1:${(server2.address() as AddressInfo).port}`,
      close: () =>
        new Promise((resolve) => {
          for (const session of sessions) session.destroy();
          server2.close(() => resolve());
        }),
    };
  });
  afterAll(async () => {
    await h2.close();
  });

  it.each(allProtocols)("never reaches the error's message, stack, metadata, details or util.inspect over %s", async (protocol) => {
    const mgmt = createManagementClient(
      createZitadelTransport({ baseUrl: protocol === "grpc" ? h2.url : h1.url, protocol, auth: token, ...(protocol === "connect" ? { connectV1: true } : {}) }),
    );
    const err = await rejection(mgmt.listOrgMetadata({}));
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toBe("echo: [redacted]");
    expect(err.metadata.get("x-echo")).toBe("[redacted]");
    const all = [err.message, err.stack ?? "", inspect(err, { depth: 10 }), JSON.stringify(err.details), [...err.metadata].join(" ")].join("\n");
    expect(all).not.toContain(token);
    // The ZITADEL error detail stays, its message redacted.
    const found = err.findDetails(ErrorDetailSchema);
    expect(found.map((d) => d.id)).toEqual(["ECHO-1"]);
    expect(found[0]!.message).toBe("you sent [redacted]");
  });
});

describe("text UTF-8 cannot carry", () => {
  it.each(allProtocols)("a key with a lone surrogate is refused before sending, naming the key, over %s", async (protocol) => {
    const front = await startFront(emulator().url, protocol === "grpc" ? "http2" : "http1");
    try {
      const mgmt = createManagementClient(
        createZitadelTransport({
          baseUrl: front.url,
          protocol,
          auth: emulator().user("acme-admin").token,
          ...(protocol === "connect" ? { connectV1: true } : {}),
        }),
      );
      const err = await rejection(mgmt.setOrgMetadata({ key: "ok\uD800key", value: new Uint8Array([1]) }));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toMatch(/^SetOrgMetadata: request field "key" contains a lone surrogate \(U\+D800\) at position 2/);
      expect(front.seen).toEqual([]);
    } finally {
      await front.close();
    }
  });
});
