// Failures to connect, over real sockets on 127.0.0.1: each is one line with
// the cause and the fix, from the library (in its option names) and from the
// CLI (in its flags), on every protocol; the original error stays the cause.
import { createServer as createHttpServer } from "node:http";
import type { Server as NetServer, Socket } from "node:net";
import { connect as netConnect, createServer as createNetServer } from "node:net";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ZitadelProtocol } from "../src/index.js";
import { accessToken, connectionFailureOf, createMetadataClient, createZitadelTransport, ZitadelError } from "../src/index.js";
import { useEmulator } from "./support/emulator.js";
import { assertBuilt, zmetaCli } from "./support/zmeta.js";

const fixtures = new URL("./fixtures/tls/", import.meta.url);
const cert = readFileSync(new URL("cert.pem", fixtures), "utf8");
const key = readFileSync(new URL("key.pem", fixtures), "utf8");
const protocols: ZitadelProtocol[] = ["grpc", "grpc-web", "connect", "rest"];

function listen(server: NetServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
}
function close(server: NetServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

const emulator = useEmulator({ connectV1: true });
/** A plain HTTP server that is not ZITADEL: an HTML 404 page for every path. */
const html = createHttpServer((_req, res) => {
  res.writeHead(404, { "content-type": "text/html" });
  res.end("<html><body>Not here</body></html>");
});
/** Every socket the TLS front opened, to end them when the tests are done. */
const open = new Set<Socket>();
/** TLS in front of the emulator (the test certificate), passing the decrypted bytes on. */
const tls = createTlsServer({ cert, key, ALPNProtocols: ["h2", "http/1.1"] }, (socket) => {
  const upstream = netConnect(emulator().port, "127.0.0.1");
  open.add(socket).add(upstream);
  socket.pipe(upstream).pipe(socket);
  socket.on("error", () => upstream.destroy());
  upstream.on("error", () => socket.destroy());
});
let htmlPort = 0;
let tlsPort = 0;
let closedPort = 0;
let dir = "";

beforeAll(async () => {
  htmlPort = await listen(html);
  tlsPort = await listen(tls);
  const spare = createNetServer();
  closedPort = await listen(spare);
  await close(spare);
  dir = mkdtempSync(join(tmpdir(), "zmeta-conn-"));
  writeFileSync(join(dir, "ca.pem"), cert);
  writeFileSync(join(dir, "not-a-cert.pem"), "hello\n");
});
afterAll(async () => {
  html.closeAllConnections();
  await close(html);
  for (const socket of open) socket.destroy();
  await close(tls);
  rmSync(dir, { recursive: true, force: true });
});

interface Case {
  name: string;
  url: () => string;
  kind: string;
  library: RegExp;
  cli: RegExp;
}

const cases: Case[] = [
  {
    name: "https to a plain-HTTP port",
    url: () => `https://127.0.0.1:${htmlPort}`,
    kind: "tls-to-plain",
    library: /does not speak TLS \(https:\/\/\), it answered in plain HTTP: use http:\/\/ in baseUrl/,
    cli: /does not speak TLS.*Hint: use http:\/\/ in --url/,
  },
  {
    name: "http to a TLS port",
    url: () => `http://127.0.0.1:${tlsPort}`,
    kind: "plain-to-tls",
    library: /closed the connection without an answer to plain HTTP \(does it expect TLS\?\): if it serves TLS, use https:\/\/ in baseUrl/,
    cli: /closed the connection.*Hint: if it serves TLS, use https:\/\/ in --url/,
  },
  {
    name: "a self-signed certificate",
    url: () => `https://127.0.0.1:${tlsPort}`,
    kind: "certificate",
    library:
      /the TLS certificate of 127\.0\.0\.1:\d+ is not trusted \(self-signed certificate\): pass the CA certificate \(PEM\) as nodeOptions: \{ ca \}, or start Node with NODE_EXTRA_CA_CERTS/,
    cli: /is not trusted \(self-signed certificate\)\. Hint: pass the CA certificate \(PEM\) with --ca FILE \(or ZITADEL_CA\), or set NODE_EXTRA_CA_CERTS/,
  },
  {
    name: "a path that is not ZITADEL's",
    url: () => `http://127.0.0.1:${htmlPort}/some/prefix`,
    kind: "not-zitadel",
    library:
      /(the path \/some\/prefix is not ZITADEL's|does not answer HTTP\/2 as ZITADEL does \(an HTTP\/1\.1-only server, or not ZITADEL\)): set baseUrl to the instance's origin/,
    cli: /(the path \/some\/prefix is not ZITADEL's|does not answer HTTP\/2 as ZITADEL does)\. Hint: --url must be the instance's origin/,
  },
  {
    name: "a server that is not ZITADEL",
    url: () => `http://127.0.0.1:${htmlPort}`,
    kind: "not-zitadel",
    library:
      /(answered an HTML page with HTTP 404: it is not ZITADEL's API|does not answer HTTP\/2 as ZITADEL does \(an HTTP\/1\.1-only server, or not ZITADEL\)): set baseUrl/,
    cli: /(answered an HTML page.*|does not answer HTTP\/2 as ZITADEL does)\. Hint: --url must be the instance's origin/,
  },
  {
    // .invalid never resolves (RFC 6761): no query can find a host on the internet.
    name: "a host name that does not resolve",
    url: () => "https://zitadel.invalid",
    kind: "dns",
    library: /the host name zitadel\.invalid does not resolve \((ENOTFOUND|EAI_AGAIN)\): check the host in baseUrl/,
    cli: /does not resolve.*Hint: check the host in --url/,
  },
  {
    name: "a refused port",
    url: () => `http://127.0.0.1:${closedPort}`,
    kind: "refused",
    library: /nothing listens on 127\.0\.0\.1:\d+ \(connection refused\): check the port in baseUrl and that ZITADEL is running/,
    cli: /nothing listens on 127\.0\.0\.1:\d+ \(connection refused\)\. Hint: cannot reach http:\/\/127\.0\.0\.1:\d+: check --url/,
  },
];

describe("connection failures from the library", () => {
  for (const c of cases) {
    for (const protocol of protocols) {
      it(`${c.name} over ${protocol}: one line with the cause and the fix, the original error as cause`, async () => {
        const retries: number[] = [];
        const transport = createZitadelTransport({
          baseUrl: c.url(),
          protocol,
          connectV1: protocol === "connect" ? true : undefined,
          auth: accessToken("test-token-1234"),
          defaultTimeoutMs: 60_000,
          retry: { onRetry: (e) => retries.push(e.attempt) },
        });
        const md = createMetadataClient(transport);
        const error = await md
          .user("1")
          .get("k")
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(ZitadelError);
        const message = (error as Error).message;
        expect(message).toMatch(c.library);
        expect(message).not.toMatch(/\n|SSL routines|ssl3_get_record/);
        expect(connectionFailureOf(error)?.kind).toBe(c.kind);
        expect((error as Error).cause).toBeInstanceOf(Error);
        // A mistake in the configuration fails the same way every time: not retried.
        if (c.kind === "certificate" || c.kind === "tls-to-plain" || (c.kind === "dns" && /ENOTFOUND/.test(message))) expect(retries).toEqual([]);
      }, 60_000);
    }
  }

  for (const protocol of protocols) {
    it(`the emulator behind TLS with nodeOptions.ca works over ${protocol}`, async () => {
      const admin = emulator().user("acme-admin");
      const alice = emulator().user("alice");
      const transport = createZitadelTransport({
        baseUrl: `https://127.0.0.1:${tlsPort}`,
        protocol,
        connectV1: protocol === "connect" ? true : undefined,
        auth: accessToken(admin.token),
        nodeOptions: { ca: cert },
        defaultTimeoutMs: 60_000,
      });
      const md = createMetadataClient(transport);
      await md.user(alice.id).set(`tls-${protocol}`, "yes");
      expect((await md.user(alice.id).get(`tls-${protocol}`))?.text()).toBe("yes");
    }, 60_000);
  }
});

describe("connection failures from the CLI", () => {
  const { zmeta, killRunning } = zmetaCli({ timeoutMs: 90_000 });
  beforeAll(assertBuilt);
  afterAll(killRunning);

  for (const c of cases) {
    it(`${c.name}: exit 1 with one line naming the cause and the flag that fixes it`, async () => {
      const res = await zmeta(["get", "--user", "1", "k", "--url", c.url(), "--token", "test-token-1234", "--protocol", "grpc-web"]);
      expect(res.code).toBe(1);
      const lines = res.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^zmeta get: /);
      expect(lines[0]).toMatch(c.cli);
      expect(lines[0]).not.toMatch(/SSL routines/);
    }, 120_000);
  }

  it("--ca FILE trusts the test CA: get works against the emulator behind TLS", async () => {
    const admin = emulator().user("acme-admin");
    const alice = emulator().user("alice");
    await createMetadataClient(createZitadelTransport({ baseUrl: emulator().url, protocol: "grpc", auth: accessToken(admin.token) }))
      .user(alice.id)
      .set("via-ca", "ok");
    const url = `https://127.0.0.1:${tlsPort}`;
    for (const protocol of protocols) {
      const args = [
        "get",
        "--user",
        alice.id,
        "via-ca",
        "--url",
        url,
        "--token",
        admin.token,
        "--protocol",
        protocol,
        ...(protocol === "connect" ? ["--connect-v1"] : []),
      ];
      const viaFlag = await zmeta([...args, "--ca", join(dir, "ca.pem")]);
      expect([viaFlag.code, viaFlag.out, viaFlag.stderr]).toEqual([0, "ok\n", ""]);
    }
    const viaEnv = await zmeta(["get", "--user", alice.id, "via-ca", "--url", url, "--token", admin.token], { env: { ZITADEL_CA: join(dir, "ca.pem") } });
    expect([viaEnv.code, viaEnv.out, viaEnv.stderr]).toEqual([0, "ok\n", ""]);
  }, 180_000);

  it("--ca with a file that is missing or not PEM: exit 2 naming the flag and the file", async () => {
    const missing = await zmeta(["get", "--user", "1", "k", "--url", `https://127.0.0.1:${tlsPort}`, "--token", "t0k3n-abcd", "--ca", join(dir, "nope.pem")]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--ca \(or ZITADEL_CA\): cannot read .*nope\.pem \(ENOENT\)/);
    const notPem = await zmeta([
      "get",
      "--user",
      "1",
      "k",
      "--url",
      `https://127.0.0.1:${tlsPort}`,
      "--token",
      "t0k3n-abcd",
      "--ca",
      join(dir, "not-a-cert.pem"),
    ]);
    expect(notPem.code).not.toBe(0);
    expect(notPem.stderr).toMatch(/not-a-cert\.pem holds no PEM certificate/);
  }, 120_000);
});
