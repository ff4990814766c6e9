// Node's REST transport runs on connect-node's HTTP client, so the connection
// options work for "rest" as for the other protocols: HTTP/2 (h2c, and h2
// over TLS), an agent of one's own (keep-alive), a private certificate
// authority. Checked over real sockets on 127.0.0.1: the emulator behind a TCP
// proxy that counts connections and sees whether each starts with the HTTP/2
// preface, or behind a TLS-terminating proxy with a certificate from a CA
// made with openssl for this run.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { promisify } from "node:util";
import { Code } from "@connectrpc/connect";
import { createNodeHttpClient } from "@connectrpc/connect-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createManagementClient, createRestTransport, createZitadelInterceptor, createZitadelTransport } from "../src/index.js";
import { useEmulator } from "./support/emulator.js";
import { rejection, thrownBy } from "./support/failures.js";
import { clientsAs, expectBytes, utf8 } from "./support/protocols.js";

const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

interface Proxy {
  url: string;
  /** One entry per accepted connection, in order: whether its first bytes were the HTTP/2 preface, and TLS's ALPN choice. */
  connections: { http2: boolean; alpn?: string | false | null }[];
  close(): Promise<void>;
}

/**
 * A proxy on 127.0.0.1, port 0, that passes each connection's bytes to the
 * emulator unchanged; with `tlsOptions` it terminates TLS first (offering h2
 * and http/1.1 by ALPN) and passes the decrypted bytes.
 */
async function startProxy(targetPort: number, tlsOptions?: tls.TlsOptions): Promise<Proxy> {
  const connections: Proxy["connections"] = [];
  const sockets = new Set<net.Socket>();
  const onConnection = (client: net.Socket) => {
    const entry: Proxy["connections"][number] = { http2: false };
    if (client instanceof tls.TLSSocket) entry.alpn = client.alpnProtocol;
    connections.push(entry);
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    }
    client.once("data", (chunk: Buffer) => {
      entry.http2 = chunk.subarray(0, http2Preface.length).equals(http2Preface);
    });
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.pipe(upstream).pipe(client);
  };
  const server = tlsOptions ? tls.createServer({ ...tlsOptions, ALPNProtocols: ["h2", "http/1.1"] }, onConnection) : net.createServer(onConnection);
  // A handshake the client gives up on (an untrusted certificate) is no concern of the test's server.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tlsOptions ? "https" : "http"}://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const run = promisify(execFile);
const openssl = "/usr/bin/openssl";

/** A certificate authority and a server certificate for IP 127.0.0.1 signed by it, made with openssl in `dir`. */
async function makeCertificates(dir: string): Promise<{ ca: string; key: string; cert: string }> {
  await writeFile(
    join(dir, "ca.cnf"),
    "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = zitadel-metadata test CA\n" +
      "[ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n",
  );
  await writeFile(join(dir, "server.cnf"), "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = 127.0.0.1\n");
  await writeFile(
    join(dir, "server-ext.cnf"),
    "[server]\nsubjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth\n",
  );
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const options = { cwd: dir };
  await run(openssl, ["req", "-x509", "-config", "ca.cnf", "-extensions", "ca", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2"], options);
  await run(openssl, ["req", "-new", "-config", "server.cnf", ...ec, "-keyout", "server.key", "-out", "server.csr"], options);
  await run(
    openssl,
    [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-set_serial",
      "2",
      "-days",
      "2",
      "-extfile",
      "server-ext.cnf",
      "-extensions",
      "server",
      "-out",
      "server.pem",
    ],
    options,
  );
  const [ca, key, cert] = await Promise.all(["ca.pem", "server.key", "server.pem"].map((f) => readFile(join(dir, f), "utf8")));
  return { ca: ca!, key: key!, cert: cert! };
}

describe("REST in Node over connect-node's HTTP client", () => {
  const log: string[] = [];
  const emulator = useEmulator({ log: (line) => log.push(line) });
  const proxies: Proxy[] = [];
  const proxy = async (tlsOptions?: tls.TlsOptions) => {
    const started = await startProxy(emulator().port, tlsOptions);
    proxies.push(started);
    return started;
  };
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });

  it('httpVersion "2": REST over h2c, both calls on one HTTP/2 connection', async () => {
    const front = await proxy();
    const { mgmt } = clientsAs(emulator(), "rest", "acme-admin", { baseUrl: front.url, httpVersion: "2" });
    await mgmt.setOrgMetadata({ key: "rest-h2", value: new Uint8Array([0, 255, 7]) });
    expectBytes((await mgmt.getOrgMetadata({ key: "rest-h2" })).metadata?.value, new Uint8Array([0, 255, 7]));
    expect(front.connections).toEqual([{ http2: true }]);
  });

  it("HTTP/1.1 by default, not HTTP/2", async () => {
    const front = await proxy();
    const { mgmt } = clientsAs(emulator(), "rest", "acme-admin", { baseUrl: front.url, nodeOptions: { agent: new http.Agent({ keepAlive: false }) } });
    await mgmt.getOrgMetadata({ key: "rest-h2" });
    expect(front.connections).toEqual([{ http2: false }]);
  });

  it("nodeOptions.agent is used: a keep-alive agent carries two calls on one socket, one without keep-alive opens two", async () => {
    const keepAlive = new http.Agent({ keepAlive: true });
    const oneShot = new http.Agent({ keepAlive: false });
    try {
      const front = await proxy();
      const kept = clientsAs(emulator(), "rest", "acme-admin", { baseUrl: front.url, nodeOptions: { agent: keepAlive } });
      await kept.mgmt.setOrgMetadata({ key: "rest-keepalive", value: utf8("1") });
      await kept.mgmt.getOrgMetadata({ key: "rest-keepalive" });
      expect(front.connections).toHaveLength(1);

      const control = await proxy();
      const fresh = clientsAs(emulator(), "rest", "acme-admin", { baseUrl: control.url, nodeOptions: { agent: oneShot } });
      await fresh.mgmt.setOrgMetadata({ key: "rest-keepalive", value: utf8("2") });
      await fresh.mgmt.getOrgMetadata({ key: "rest-keepalive" });
      expect(control.connections).toHaveLength(2);
    } finally {
      keepAlive.destroy();
      oneShot.destroy();
    }
  });

  it("createRestTransport takes an httpClient: connect-node's, for example", async () => {
    const token = emulator().user("acme-admin").token;
    const mgmt = createManagementClient(
      createRestTransport({
        baseUrl: emulator().url,
        httpClient: createNodeHttpClient({ httpVersion: "1.1" }),
        interceptors: [createZitadelInterceptor({ auth: token })],
      }),
    );
    await mgmt.setOrgMetadata({ key: "via-http-client", value: utf8("x") });
    expect(new TextDecoder().decode((await mgmt.getOrgMetadata({ key: "via-http-client" })).metadata?.value)).toBe("x");
    expect(() => createRestTransport({ baseUrl: emulator().url, httpClient: createNodeHttpClient({ httpVersion: "1.1" }), fetch: globalThis.fetch })).toThrow(
      'createRestTransport: option "fetch" cannot apply together with option "httpClient"',
    );
  });

  it("readMaxBytes and writeMaxBytes apply to REST: too large fails with ResourceExhausted, naming the limit", async () => {
    const { mgmt } = clientsAs(emulator(), "rest", "acme-admin");
    await mgmt.setOrgMetadata({ key: "rest-large", value: new Uint8Array(3_000) });
    const tooLarge = await rejection(clientsAs(emulator(), "rest", "acme-admin", { readMaxBytes: 1_000 }).mgmt.getOrgMetadata({ key: "rest-large" }));
    expect(tooLarge.code).toBe(Code.ResourceExhausted);
    expect(tooLarge.rawMessage).toBe("REST call GET /management/v1/metadata/rest-large: the response body exceeds readMaxBytes (1000)");

    log.length = 0;
    const tooLong = await rejection(
      clientsAs(emulator(), "rest", "acme-admin", { writeMaxBytes: 1_000 }).mgmt.setOrgMetadata({ key: "rest-too-long", value: new Uint8Array(3_000) }),
    );
    expect(tooLong.code).toBe(Code.ResourceExhausted);
    expect(tooLong.rawMessage).toMatch(
      /^REST call POST \/management\/v1\/metadata\/rest-too-long: the request body of \d+ bytes exceeds writeMaxBytes \(1000\)$/,
    );
    expect(log).toEqual([]);
  });

  describe("over HTTPS with a private certificate authority", () => {
    let dir: string;
    let certificates: { ca: string; key: string; cert: string };
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "zmeta-ca-"));
      certificates = await makeCertificates(dir);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("reaches the server with nodeOptions: { ca }, over HTTP/1.1 and over HTTP/2 (ALPN h2)", async () => {
      const front = await proxy({ key: certificates.key, cert: certificates.cert });
      const h1 = clientsAs(emulator(), "rest", "acme-admin", { baseUrl: front.url, nodeOptions: { ca: certificates.ca } });
      await h1.mgmt.setOrgMetadata({ key: "rest-tls", value: utf8("private CA") });
      const h2 = clientsAs(emulator(), "rest", "acme-admin", { baseUrl: front.url, httpVersion: "2", nodeOptions: { ca: certificates.ca } });
      expect(new TextDecoder().decode((await h2.mgmt.getOrgMetadata({ key: "rest-tls" })).metadata?.value)).toBe("private CA");
      expect(front.connections).toEqual([
        { http2: false, alpn: false },
        { http2: true, alpn: "h2" },
      ]);
    });

    it("is refused without it: Unavailable, naming the certificate problem, nothing sent, no token in the message", async () => {
      const front = await proxy({ key: certificates.key, cert: certificates.cert });
      const token = emulator().user("acme-admin").token;
      log.length = 0;
      for (const extra of [{}, { httpVersion: "2" as const }]) {
        const err = await rejection(clientsAs(emulator(), "rest", "acme-admin", { baseUrl: front.url, ...extra }).mgmt.getOrgMetadata({ key: "rest-tls" }));
        expect(err.code, JSON.stringify(extra)).toBe(Code.Unavailable);
        // One line with the cause and the fix (test/connection-errors.spec.ts has every case).
        expect(err.rawMessage).toBe(
          `the TLS certificate of ${new URL(front.url).host} is not trusted (unable to verify the first certificate): ` +
            "pass the CA certificate (PEM) as nodeOptions: { ca }, or start Node with NODE_EXTRA_CA_CERTS=/path/to/ca.pem",
        );
        expect(err.message).not.toContain(token);
      }
      expect(log).toEqual([]);
    });
  });

  it("fetch and Node's connection options together are refused, naming the option", () => {
    const base = { baseUrl: emulator().url, protocol: "rest" as const, auth: "pat", fetch: globalThis.fetch };
    for (const extra of [{ nodeOptions: { ca: "x" } }, { httpVersion: "2" as const }, { httpVersion: "2" as const, pingIntervalMs: 10_000 }]) {
      const thrown = thrownBy(() => clientsAs(emulator(), "rest", "acme-admin", { ...base, ...extra }));
      expect(thrown, JSON.stringify(extra)).toBeInstanceOf(TypeError);
      expect((thrown as Error).message).toMatch(
        /^createZitadelTransport: option "(nodeOptions|httpVersion)" configures Node's HTTP client, which protocol "rest" does not use when option "fetch" is given/,
      );
    }
  });
});

describe("a redirect over Node's HTTP client", () => {
  let server: http.Server;
  let url: string;
  let requests = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      requests++;
      res.writeHead(302, { location: "https://login.example/" }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("is reported with its Location, not followed", async () => {
    const mgmt = createManagementClient(createZitadelTransport({ baseUrl: url, protocol: "rest", auth: "pat" }));
    const err = await rejection(mgmt.getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.Unknown);
    expect(err.rawMessage).toBe(
      "HTTP 302 from /management/v1/metadata/k to https://login.example/: API calls do not follow redirects. Set baseUrl to the address ZITADEL answers on itself.",
    );
    expect(requests).toBe(1);
  });
});
