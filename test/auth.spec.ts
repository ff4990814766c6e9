// Token sources against the emulator over every protocol: the JWT profile and
// client credentials end to end, caching and single flight, refresh before
// expiry, refresh-and-retry on a revoked token, and failures that are not cached.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { clientCredentials } from "../src/auth/client-credentials.js";
import { serviceAccountKey } from "../src/auth/service-account-key-file.js";
import type { ServiceAccountKeyJson } from "../src/auth/service-account-key.js";
import type { TokenContext, TokenSource } from "../src/auth/token-source.js";
import { TokenRequestError } from "../src/auth/token-request-error.js";
import type { Emulator } from "../src/emulator/index.js";
import { accessToken, createManagementClient, createRestTransport, createZitadelInterceptor } from "../src/index.js";
import { useEmulator } from "./support/emulator.js";
import { rejection, thrownBy } from "./support/failures.js";
import { clientsAs, expectZitadelError, protocols, utf8 } from "./support/protocols.js";
import type { SubPathProxy, SubPathProxyOptions } from "./support/sub-path-proxy.js";
import { startSubPathProxy } from "./support/sub-path-proxy.js";

const signal = () => new AbortController().signal;
/** The context the interceptor hands a source for calls to this emulator. */
const contextOf = (emulator: Emulator) => ({ baseUrl: emulator.url, allowInsecure: false });

afterEach(() => {
  vi.useRealTimers();
});

describe.each(protocols)("machine users over %s", (protocol) => {
  const emulator = useEmulator();
  const bot = () => emulator().user("acme-bot");
  const keySource = () => serviceAccountKey(bot().keyFile!);
  const secretSource = () => clientCredentials({ clientId: bot().clientId!, clientSecret: bot().clientSecret! });

  it("a service account key (JWT profile) authenticates as the machine user", async () => {
    const { mgmt, auth } = clientsAs(emulator(), protocol, "acme-bot", { auth: keySource() });
    const alice = emulator().user("alice");
    await mgmt.setUserMetadata({ id: alice.id, key: "set-by", value: utf8("jwt") });
    expect((await mgmt.getUserMetadata({ id: alice.id, key: "set-by" })).metadata?.key).toBe("set-by");
    // The token speaks for acme-bot itself: its own metadata is empty.
    expect((await auth.listMyMetadata({})).result).toEqual([]);
  });

  it("client credentials authenticate as the machine user", async () => {
    const { mgmt } = clientsAs(emulator(), protocol, "acme-bot", { auth: secretSource() });
    await mgmt.setOrgMetadata({ key: "set-by", value: utf8("client-credentials") });
    expect((await mgmt.getOrgMetadata({ key: "set-by" })).metadata?.value).toEqual(utf8("client-credentials"));
  });

  it("100 concurrent calls with a cold cache make one discovery and one token request", async () => {
    const { mgmt } = clientsAs(emulator(), protocol, "acme-bot", { auth: keySource() });
    const tokens = emulator().tokenRequests;
    const discoveries = emulator().discoveryRequests;
    const results = await Promise.all(Array.from({ length: 100 }, () => mgmt.listOrgMetadata({})));
    expect(results).toHaveLength(100);
    expect(emulator().tokenRequests - tokens).toBe(1);
    expect(emulator().discoveryRequests - discoveries).toBe(1);
    // And the cached token serves later calls too.
    await mgmt.listOrgMetadata({});
    expect(emulator().tokenRequests - tokens).toBe(1);
  });

  it("a revoked token is replaced once and the calls retried once, even when many fail at the same time", async () => {
    const source = secretSource();
    const { mgmt } = clientsAs(emulator(), protocol, "acme-bot", { auth: source });
    await mgmt.listOrgMetadata({});
    const revoked = await source(signal(), contextOf(emulator()));
    expect(emulator().revokeToken(revoked)).toBe(true);
    const before = emulator().tokenRequests;
    await Promise.all(Array.from({ length: 20 }, (_, i) => mgmt.setOrgMetadata({ key: `retried-${i}`, value: utf8("1") })));
    expect(emulator().tokenRequests - before).toBe(1);
    expect(await source(signal(), contextOf(emulator()))).not.toBe(revoked);
  });

  it("a plain function source is not retried: its AUTH-7fs1e reaches the caller", async () => {
    let asked = 0;
    const { mgmt } = clientsAs(emulator(), protocol, "acme-bot", {
      auth: async () => {
        asked++;
        return "unknown-token";
      },
    });
    await expectZitadelError(mgmt.listOrgMetadata({}), { code: Code.Unauthenticated, id: "AUTH-7fs1e", text: "Errors.Token.Invalid" });
    expect(asked).toBe(1);
  });

  it("a refreshable source whose new token fails too is retried only once", async () => {
    const invalidated: string[] = [];
    let asked = 0;
    const source: TokenSource = Object.assign(async () => `rejected-${++asked}`, {
      invalidate: (token: string) => void invalidated.push(token),
    });
    const { mgmt } = clientsAs(emulator(), protocol, "acme-bot", { auth: source });
    await expectZitadelError(mgmt.listOrgMetadata({}), { code: Code.Unauthenticated, id: "AUTH-7fs1e", text: "Errors.Token.Invalid" });
    expect({ asked, invalidated }).toEqual({ asked: 2, invalidated: ["rejected-1"] });
  });

  it("other errors are not retried", async () => {
    let asked = 0;
    const token = bot().token;
    const source: TokenSource = Object.assign(
      async () => {
        asked++;
        return token;
      },
      { invalidate: () => {} },
    );
    const { mgmt } = clientsAs(emulator(), protocol, "acme-bot", { auth: source });
    await expectZitadelError(mgmt.getOrgMetadata({ key: "missing" }), { code: Code.NotFound, id: "QUERY-Rph32", text: "Metadata not found" });
    expect(asked).toBe(1);
  });
});

describe("token lifetime", () => {
  const emulator = useEmulator({ tokenTtlSeconds: 120 });

  it("reuses a token until a margin before expires_in, then refreshes while the old one is still valid", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const source = serviceAccountKey(emulator().user("acme-bot").keyFile!);
    const { mgmt } = clientsAs(emulator(), "grpc", "acme-bot", { auth: source });
    const start = Date.now();
    const before = emulator().tokenRequests;
    await mgmt.listOrgMetadata({});
    const first = await source(signal(), contextOf(emulator()));
    vi.setSystemTime(start + 59_000);
    await mgmt.listOrgMetadata({});
    expect(emulator().tokenRequests - before).toBe(1);

    // 120 s lifetime, 60 s margin: from 60 s on, calls get a new token...
    vi.setSystemTime(start + 61_000);
    await mgmt.listOrgMetadata({});
    expect(emulator().tokenRequests - before).toBe(2);
    const second = await source(signal(), contextOf(emulator()));
    expect(second).not.toBe(first);
    // ...although the old one still works until 120 s, and not after.
    const withFirst = clientsAs(emulator(), "grpc", "acme-bot", { auth: first }).mgmt;
    await withFirst.listOrgMetadata({});
    vi.setSystemTime(start + 120_000);
    await expectZitadelError(withFirst.listOrgMetadata({}), { code: Code.Unauthenticated, id: "AUTH-7fs1e", text: "Errors.Token.Invalid" });
    await mgmt.listOrgMetadata({});
  });
});

describe("a token source in a process that is done", () => {
  it("does not keep it alive: no refresh timer, and the request timeout does not hold the event loop", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zmeta-exit-"));
    try {
      const script = join(dir, "exit.mts");
      const sourceModule = resolve("src/auth/client-credentials.ts");
      writeFileSync(
        script,
        [
          `import { clientCredentials } from ${JSON.stringify(sourceModule)};`,
          "const fetch = async (url: URL) => String(url).endsWith('openid-configuration')",
          "  ? Response.json({ issuer: 'https://x.test', token_endpoint: 'https://x.test/token' })",
          "  : Response.json({ access_token: 'tok', token_type: 'Bearer', expires_in: 3600 });",
          "const source = clientCredentials({ clientId: 'a', clientSecret: 'b', issuer: 'https://x.test', fetch });",
          "console.log(await source(new AbortController().signal));",
        ].join("\n"),
      );
      const started = Date.now();
      const stdout = await new Promise<string>((done, fail) =>
        execFile(process.execPath, ["--import", "tsx", script], { timeout: 20_000 }, (err, out) => (err ? fail(err) : done(out))),
      );
      expect(stdout.trim()).toBe("tok");
      // The token request's own timeout is 30 s; exiting well before it shows nothing waits for it.
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("token request failures", () => {
  const emulator = useEmulator();
  const bot = () => emulator().user("acme-bot");

  it("are not cached: a failed request is followed by a new one", async () => {
    let fail = true;
    const fetchSpy = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      if (fail && String(input).endsWith("/oauth/v2/token")) {
        fail = false;
        return new Response("upstream down", { status: 503 });
      }
      return fetch(input, init);
    });
    const source = clientCredentials({ clientId: bot().clientId!, clientSecret: bot().clientSecret!, fetch: fetchSpy });
    // Without retries: with them, this call would ask again at once (a 503 is worth a retry, and nothing was sent).
    const { mgmt } = clientsAs(emulator(), "grpc-web", "acme-bot", { auth: source, retry: false });
    const err = await mgmt.listOrgMetadata({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
    expect((err as ConnectError).rawMessage).toBe(
      `could not get an access token: token request to ${emulator().url}/oauth/v2/token failed: HTTP 503, no OAuth error in the response.`,
    );
    expect((err as ConnectError).cause).toBeInstanceOf(TokenRequestError);
    await mgmt.listOrgMetadata({});
    // discovery once (remembered), the token endpoint twice (the failure was not).
    expect(fetchSpy.mock.calls.map(([url]) => new URL(String(url)).pathname)).toEqual([
      "/.well-known/openid-configuration",
      "/oauth/v2/token",
      "/oauth/v2/token",
    ]);
  });

  it("surface the endpoint, HTTP status and OAuth error as Unauthenticated, and are retried on the next call", async () => {
    const source = clientCredentials({ clientId: bot().clientId!, clientSecret: "not-the-secret" });
    const { mgmt } = clientsAs(emulator(), "grpc-web", "acme-bot", { auth: source });
    const before = emulator().tokenRequests;
    for (let i = 0; i < 2; i++) {
      const err = (await mgmt.listOrgMetadata({}).catch((e: unknown) => e)) as ConnectError;
      expect(err.code).toBe(Code.Unauthenticated);
      expect(err.rawMessage).toMatch(
        new RegExp(
          `^could not get an access token: token request to ${emulator().url}/oauth/v2/token failed: HTTP 401, invalid_client: .*Check the client id and secret`,
        ),
      );
      const cause = err.cause as TokenRequestError;
      expect([cause.status, cause.oauthError, cause.url]).toEqual([401, "invalid_client", `${emulator().url}/oauth/v2/token`]);
    }
    expect(emulator().tokenRequests - before).toBe(2);
  });

  it("an unreachable instance is Unavailable and names the discovery URL", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const source = clientCredentials({ clientId: "x", clientSecret: "y" });
    const { mgmt } = clientsAs(emulator(), "grpc", "acme-bot", { baseUrl: `http://127.0.0.1:${port}`, auth: source });
    const err = (await mgmt.listOrgMetadata({}).catch((e: unknown) => e)) as ConnectError;
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).toBe(
      `could not get an access token: OpenID discovery at http://127.0.0.1:${port}/.well-known/openid-configuration failed: fetch failed (ECONNREFUSED). Check the URL and that the server is reachable.`,
    );
    expect(err.cause).toBeInstanceOf(TokenRequestError);
  });

  it("a discovery document that is not ZITADEL's says which field is wrong", async () => {
    const fakeFetch = async () => Response.json({ issuer: "https://x.test" });
    const source = clientCredentials({ clientId: "x", clientSecret: "y", issuer: "https://x.test", fetch: fakeFetch });
    await expect(Promise.resolve(source(signal()))).rejects.toThrow(
      /OpenID discovery at https:\/\/x\.test\/\.well-known\/openid-configuration failed: the response has no "token_endpoint"/,
    );
  });

  it("a caller that gives up does not cancel the request others still wait for; the last one does", async () => {
    const releases: (() => void)[] = [];
    const aborted: boolean[] = [];
    const slowFetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).endsWith("/oauth/v2/token")) {
        await new Promise<void>((resolve) => releases.push(resolve));
        aborted.push(init?.signal?.aborted ?? false);
      }
      return fetch(input, init);
    });
    const source = clientCredentials({ clientId: bot().clientId!, clientSecret: bot().clientSecret!, fetch: slowFetch });
    const impatient = new AbortController();
    const first = Promise.resolve(source(impatient.signal, contextOf(emulator())));
    const second = Promise.resolve(source(signal(), contextOf(emulator())));
    await vi.waitFor(() => expect(releases).toHaveLength(1));
    impatient.abort(new Error("gave up"));
    await expect(first).rejects.toThrow("gave up");
    releases[0]!();
    expect(typeof (await second)).toBe("string");
    expect(aborted).toEqual([false]);

    // With a fresh source, when every caller gives up, the token request is aborted.
    const alone = clientCredentials({ clientId: bot().clientId!, clientSecret: bot().clientSecret!, fetch: slowFetch });
    const only = new AbortController();
    const pending = Promise.resolve(alone(only.signal, contextOf(emulator())));
    await vi.waitFor(() => expect(releases).toHaveLength(2));
    only.abort(new Error("gave up"));
    await expect(pending).rejects.toThrow("gave up");
    releases[1]!();
    await vi.waitFor(() => expect(aborted).toEqual([false, true]));
  });
});

describe("where token sources send their requests", () => {
  const emulator = useEmulator();
  const bot = () => emulator().user("acme-bot");

  it("a given tokenEndpoint skips discovery", async () => {
    const source = clientCredentials({
      clientId: bot().clientId!,
      clientSecret: bot().clientSecret!,
      tokenEndpoint: `${emulator().url}/oauth/v2/token`,
    });
    const before = emulator().discoveryRequests;
    await clientsAs(emulator(), "grpc", "acme-bot", { auth: source }).mgmt.listOrgMetadata({});
    expect(emulator().discoveryRequests - before).toBe(0);
  });

  it("the issuer option lets a source work outside a transport", async () => {
    const key = JSON.parse(readFileSync(bot().keyFile!, "utf8")) as ServiceAccountKeyJson;
    const pinned = serviceAccountKey(key, { issuer: emulator().url });
    const token = await pinned(signal());
    await clientsAs(emulator(), "grpc", "acme-bot", { auth: token }).mgmt.listOrgMetadata({});
    const unpinned = serviceAccountKey(key);
    await expect(Promise.resolve(unpinned(signal()))).rejects.toThrow(/no ZITADEL instance to ask.*"issuer"/);
  });

  it("the JWT profile needs the issuer when the token endpoint is given", () => {
    expect(() => serviceAccountKey(bot().keyFile!, { tokenEndpoint: `${emulator().url}/oauth/v2/token` })).toThrow(/"tokenEndpoint" needs option "issuer" too/);
  });

  it("scope is sent as given, and checked before anything is sent", async () => {
    const source = serviceAccountKey(bot().keyFile!, { scope: ["openid"] });
    const err = (await clientsAs(emulator(), "grpc", "acme-bot", { auth: source })
      .mgmt.listOrgMetadata({})
      .catch((e: unknown) => e)) as ConnectError;
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toMatch(/HTTP 400, invalid_scope: scope must include .*Check the "scope" option\./);
    expect(() => clientCredentials({ clientId: "a", clientSecret: "b", scope: "" })).toThrow(/"scope" is empty/);
    expect(() => clientCredentials({ clientId: "a", clientSecret: "b", scope: 'a"b' })).toThrow(/"scope" holds a character/);
  });
});

describe("shared discovery", () => {
  it("is not cancelled for everyone when the caller that started it gives up", async () => {
    // A slow fake instance: discovery and token requests each take 100 ms and honour their signal.
    const slowFetch: typeof fetch = (input, init) =>
      new Promise((resolve, reject) => {
        const url = String(input);
        const timer = setTimeout(() => {
          const body = url.endsWith("/.well-known/openid-configuration")
            ? { issuer: "https://z.example.test", token_endpoint: "https://z.example.test/oauth/v2/token" }
            : { access_token: "tok-123456789", token_type: "Bearer", expires_in: 3600 };
          resolve(new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } }));
        }, 100);
        // Like a real fetch, the rejection arrives a moment after the abort.
        init?.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          setTimeout(() => reject(init.signal?.reason), 0);
        });
      });
    const source = clientCredentials({ clientId: "bot", clientSecret: "s3cret-value", fetch: slowFetch });
    const context = { baseUrl: "https://z.example.test", allowInsecure: false };
    const first = new AbortController();
    const firstResult = Promise.resolve(source(first.signal, context)).then(
      () => "resolved",
      (e: unknown) => String(e),
    );
    await new Promise((r) => setTimeout(r, 20));
    first.abort(new Error("the first caller gave up"));
    // A second caller arrives a few microtasks later, while discovery is still in flight.
    for (let i = 0; i < 3; i++) await Promise.resolve();
    const second = await source(new AbortController().signal, context);
    expect(await firstResult).toMatch(/the first caller gave up/);
    expect(second).toBe("tok-123456789");
  });
});

describe("the instance a token source asks", () => {
  const emulator = useEmulator();
  const bot = () => emulator().user("acme-bot");
  const secretSource = (options: { issuer?: string } = {}) => clientCredentials({ clientId: bot().clientId!, clientSecret: bot().clientSecret!, ...options });
  const proxies: SubPathProxy[] = [];
  const proxy = async (options: Omit<SubPathProxyOptions, "upstream">) => {
    const started = await startSubPathProxy({ upstream: emulator().url, ...options });
    proxies.push(started);
    return started;
  };
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });
  const oauthRequests = (p: SubPathProxy) => p.seen.filter((line) => /openid-configuration|\/oauth\//.test(line));

  it("is refused before any token request when discovery names an issuer other than the base URL", async () => {
    // The proxy passes discovery on, and the emulator names its issuer after the Host it was
    // called by: the proxy's origin, without the sub-path the client used.
    const p = await proxy({ prefix: "/zitadel" });
    const tokens = emulator().tokenRequests;
    const discoveries = emulator().discoveryRequests;
    const { mgmt } = clientsAs(emulator(), "grpc-web", "acme-bot", { baseUrl: p.url, auth: secretSource() });
    const err = await rejection(mgmt.listOrgMetadata({}));
    expect(err.rawMessage).toBe(
      `could not get an access token: OpenID discovery at ${p.url}/.well-known/openid-configuration failed: it names the issuer "${p.origin}", ` +
        `but OpenID Connect Discovery requires the issuer to be ${p.url}, the URL it was fetched from; no token was requested. ` +
        `If "${p.origin}" is your ZITADEL instance, use that as the base URL (or the "issuer" option); ` +
        "behind a reverse proxy, give ZITADEL the external domain and port that clients use.",
    );
    expect(err.cause).toBeInstanceOf(TokenRequestError);
    expect(err.rawMessage).not.toContain(bot().clientSecret!);

    // A key source pinned to the sub-path is refused the same way, before it signs or sends an assertion.
    const pinned = serviceAccountKey(bot().keyFile!, { issuer: p.url });
    await expect(Promise.resolve(pinned(signal()))).rejects.toThrow(/names the issuer .*no token was requested/);

    expect([emulator().tokenRequests - tokens, emulator().discoveryRequests - discoveries]).toEqual([0, 2]);
    // Nothing but the two discoveries went through the proxy: no token request, and no call.
    expect(p.seen).toEqual(["GET /zitadel/.well-known/openid-configuration", "GET /zitadel/.well-known/openid-configuration"]);
  });

  it("works for a base URL with a sub-path whose discovery names it as the issuer", async () => {
    const p = await proxy({
      prefix: "/zitadel",
      discovery: (url) => ({ issuer: url, token_endpoint: `${url}/oauth/v2/token` }),
    });
    // The issuer may also end in "/"; OpenID Connect Discovery strips it before appending the well-known path.
    const slash = await proxy({
      prefix: "/zitadel",
      discovery: (url) => ({ issuer: `${url}/`, token_endpoint: `${url}/oauth/v2/token` }),
    });
    const tokens = emulator().tokenRequests;
    for (const through of [p, slash]) {
      for (const protocol of ["grpc-web", "rest"] as const) {
        const { mgmt } = clientsAs(emulator(), protocol, "acme-bot", { baseUrl: through.url, auth: secretSource() });
        const key = `sub-path-${protocol}`;
        await mgmt.setOrgMetadata({ key, value: utf8(protocol) });
        expect((await mgmt.getOrgMetadata({ key })).metadata?.value).toEqual(utf8(protocol));
      }
      expect(oauthRequests(through)).toEqual([
        "GET /zitadel/.well-known/openid-configuration",
        "POST /zitadel/oauth/v2/token",
        "GET /zitadel/.well-known/openid-configuration",
        "POST /zitadel/oauth/v2/token",
      ]);
      expect(through.seen.every((line) => / \/zitadel\//.test(line))).toBe(true);
    }
    expect(emulator().tokenRequests - tokens).toBe(4);
  });

  it("a bare interceptor refuses an OAuth source without a baseUrl, and uses the one it is given", async () => {
    for (const [entry, source] of [
      ["clientCredentials", secretSource()],
      ["serviceAccountKey", serviceAccountKey(bot().keyFile!)],
    ] as const) {
      const thrown = thrownBy(() => createZitadelInterceptor({ auth: source }));
      expect(thrown).toBeInstanceOf(TypeError);
      const message = (thrown as Error).message;
      expect(message).toBe(
        `option "baseUrl" is missing: ${entry} asks the ZITADEL instance for tokens and needs its URL, which an interceptor cannot tell from a request. ` +
          'Pass the base URL of your transport, e.g. createZitadelInterceptor({ auth, baseUrl: "https://acme.zitadel.cloud" }), ' +
          `or give ${entry} the option "issuer".`,
      );
      expect(message).not.toContain(bot().clientSecret!);
    }
    // Tokens and plain functions need no instance; a source pinned with "issuer" knows its own.
    expect(() => createZitadelInterceptor({ auth: "a-token" })).not.toThrow();
    expect(() => createZitadelInterceptor({ auth: accessToken("a-token") })).not.toThrow();
    expect(() => createZitadelInterceptor({ auth: async () => "a-token" })).not.toThrow();

    const tokens = emulator().tokenRequests;
    for (const interceptor of [
      createZitadelInterceptor({ auth: serviceAccountKey(bot().keyFile!), baseUrl: emulator().url }),
      createZitadelInterceptor({ auth: secretSource({ issuer: emulator().url }) }),
    ]) {
      const transport = createGrpcWebTransport({ baseUrl: emulator().url, httpVersion: "1.1", interceptors: [interceptor] });
      expect((await createManagementClient(transport).listOrgMetadata({})).result).toBeDefined();
    }
    expect(emulator().tokenRequests - tokens).toBe(2);
  });

  it("a plain function on a bare interceptor gets the origin of the call, never its path; or the baseUrl it is given", async () => {
    const p = await proxy({ prefix: "/zitadel" });
    const contexts: (TokenContext | undefined)[] = [];
    const source = async (_signal: AbortSignal, context?: TokenContext) => {
      contexts.push(context);
      return bot().token;
    };
    const own = (interceptor: ReturnType<typeof createZitadelInterceptor>) => [
      createGrpcWebTransport({ baseUrl: p.url, httpVersion: "1.1", interceptors: [interceptor] }),
      createRestTransport({ baseUrl: p.url, interceptors: [interceptor] }),
    ];
    for (const transport of own(createZitadelInterceptor({ auth: source }))) {
      await createManagementClient(transport).listOrgMetadata({});
    }
    expect(contexts).toEqual([
      { baseUrl: p.origin, allowInsecure: false },
      { baseUrl: p.origin, allowInsecure: false },
    ]);
    contexts.length = 0;
    for (const transport of own(createZitadelInterceptor({ auth: source, baseUrl: `${p.url}/` }))) {
      await createManagementClient(transport).listOrgMetadata({});
    }
    expect(contexts).toEqual([
      { baseUrl: p.url, allowInsecure: false },
      { baseUrl: p.url, allowInsecure: false },
    ]);
    // Both kinds of call went through the proxy's sub-path.
    expect(p.seen.some((line) => line.startsWith("POST /zitadel/zitadel.management.v1.ManagementService/"))).toBe(true);
    expect(p.seen.some((line) => line.startsWith("POST /zitadel/management/v1/"))).toBe(true);
  });
});
