// KeepAliveSessionManager, the HTTP/2 session manager under our Node
// transports, against a real Node HTTP/2 server on 127.0.0.1 (and a proxy in
// front of it that can go silent or end connections): one connection shared,
// GOAWAY drained, keep-alive PINGs and their timeout, verification after a
// quiet spell, the idle close, too_many_pings, connect failures, abort, and a
// process free to exit. The first test shows the connect-node 2.1 bug that
// made us write it, with connect-node's own manager beside ours.
import { spawn } from "node:child_process";
import * as http2 from "node:http2";
import * as net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Code, ConnectError } from "@connectrpc/connect";
import { Http2SessionManager } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import type { NodeHttp2ClientSessionManager } from "../src/transport/keep-alive-session-manager.js";
import { connectionFailureOf } from "../src/index.js";
import { KeepAliveSessionManager } from "../src/transport/keep-alive-session-manager.js";
import { callThrough } from "./support/session-manager-call.js";
import { startSynDropPeer } from "./support/syn-drop-peer.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const timeout = { timeout: 60_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface TestServer {
  url: string;
  port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** The server side of each HTTP/2 session, in order. */
  readonly sessions: http2.ServerHttp2Session[];
  /** Requests to "/hold" wait here until released. */
  readonly held: http2.ServerHttp2Stream[];
  close(): Promise<void>;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An HTTP/2 server: "/" answers "ok" at once, "/hold" when the test releases it. */
async function startServer(): Promise<TestServer> {
  let connections = 0;
  const sessions: http2.ServerHttp2Session[] = [];
  const held: http2.ServerHttp2Stream[] = [];
  const server = http2.createServer();
  server.on("connection", () => connections++);
  server.on("session", (session) => {
    sessions.push(session);
    // A client that ends its session with CANCEL (abort) makes the server's session raise it.
    session.on("error", () => {});
  });
  server.on("stream", (stream, headers) => {
    // Ended by the client's session (abort, PING timeout): the test watches the client's side.
    stream.on("error", () => {});
    stream.resume();
    if (headers[":path"] === "/hold") held.push(stream);
    else
      stream.once("end", () => {
        stream.respond({ ":status": 200 });
        stream.end("ok");
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const result: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    sessions,
    held,
    close: async () => {
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  cleanups.push(() => result.close());
  return result;
}

interface Proxy {
  url: string;
  /** Stop passing bytes on the connections open now (new ones pass). */
  silence(): void;
  /** End the client side of every open connection with a FIN, as a peer that closes gracefully does. */
  endAll(): void;
}

async function startProxy(targetPort: number): Promise<Proxy> {
  const pairs: { client: net.Socket; silenced: boolean }[] = [];
  const server = net.createServer((client) => {
    const pair = { client, silenced: false };
    pairs.push(pair);
    const upstream = net.connect(targetPort, "127.0.0.1");
    client.on("data", (d) => pair.silenced || upstream.write(d));
    upstream.on("data", (d) => pair.silenced || client.write(d));
    for (const s of [client, upstream]) s.on("error", () => {});
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const p of pairs) p.client.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    silence: () => {
      for (const p of pairs) p.silenced = true;
    },
    endAll: () => {
      for (const p of pairs) p.client.end();
    },
  };
}

/** A TCP server that accepts and never answers, at an https:// URL: a TLS handshake with it never completes. */
async function startSilentPeer(): Promise<{ url: string; readonly connections: number }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    get connections() {
      return sockets.size;
    },
  };
}

function track<M extends NodeHttp2ClientSessionManager & { abort(reason?: Error): void }>(manager: M): M {
  cleanups.push(() => manager.abort());
  return manager;
}

const call = callThrough;

/** How a promise stands after `ms`: its value, its error's message, or "pending". */
async function within(promise: Promise<string>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("pending"), ms);
  });
  try {
    return await Promise.race([promise.catch((e: unknown) => `failed: ${e instanceof Error ? e.message : String(e)}`), pending]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > 20_000) throw new Error(`not within 20 s: ${what}`);
    await sleep(10);
  }
}

// PING timeouts here are long enough that a loaded machine's stall does not fail a healthy PING:
// a timer due during a stall fires before the PING's answer is read.
describe("a verification PING cut off by a graceful close", () => {
  // A request on a session quiet for longer than the PING interval first sends a PING. The peer closes
  // gracefully (a FIN) before answering it: the PING is cancelled, and no "error" event comes.
  // `wait`: how long a call may take before it counts as "pending".
  async function scenario(manager: NodeHttp2ClientSessionManager, proxy: Proxy, wait: number): Promise<string[]> {
    const seen = [await call(manager)];
    await sleep(150);
    proxy.silence();
    const cutOff = call(manager);
    await sleep(100);
    proxy.endAll();
    seen.push(await within(cutOff, wait));
    seen.push(await within(call(manager), wait));
    await sleep(150);
    seen.push(await within(call(manager), wait));
    return seen;
  }

  it("connect-node 2.1's Http2SessionManager keeps the verification pending, and every later one waits on it", timeout, async () => {
    const server = await startServer();
    const proxy = await startProxy(server.port);
    const manager = track(new Http2SessionManager(proxy.url, { pingIntervalMs: 50, pingTimeoutMs: 5_000 }));
    // What is pending after 3 s stays pending: nothing settles it.
    const seen = await scenario(manager, proxy, 3_000);
    // The cut-off call and the one after the next quiet spell never get a stream; only a call on a fresh session does.
    expect(seen).toEqual(["ok", "pending", "ok", "pending"]);
  });

  it("ours settles it: the cut-off call fails, the calls after it work", timeout, async () => {
    const server = await startServer();
    const proxy = await startProxy(server.port);
    const manager = track(new KeepAliveSessionManager(proxy.url, { pingIntervalMs: 50, pingTimeoutMs: 5_000 }));
    const seen = await scenario(manager, proxy, 20_000);
    expect(seen[0]).toBe("ok");
    // The cut-off call goes on a new session (the proxy silences only the connections open at silence()).
    expect(seen.slice(1)).toEqual(["ok", "ok", "ok"]);
    expect(server.connections).toBe(2);
  });
});

describe("KeepAliveSessionManager", () => {
  it("concurrent requests share one connection", timeout, async () => {
    const server = await startServer();
    const manager = track(new KeepAliveSessionManager(server.url));
    const bodies = await Promise.all(Array.from({ length: 10 }, () => call(manager)));
    expect(bodies).toEqual(Array(10).fill("ok"));
    expect(await call(manager)).toBe("ok");
    expect(server.connections).toBe(1);
  });

  it("after a GOAWAY, the streams in flight finish on the old session and new ones go to a new session", timeout, async () => {
    const server = await startServer();
    const manager = track(new KeepAliveSessionManager(server.url));
    const inFlight = call(manager, "/hold");
    await until(() => server.held.length === 1, "the held request at the server");
    const old = server.sessions[0]!;
    old.goaway(http2.constants.NGHTTP2_NO_ERROR, 1);
    await sleep(100);
    expect(await call(manager)).toBe("ok");
    expect(server.connections).toBe(2);
    const held = server.held[0]!;
    held.respond({ ":status": 200 });
    held.end("held ok");
    expect(await inFlight).toBe("held ok");
    await until(() => old.closed || old.destroyed, "the old session's close once drained");
  });

  it("a PING not answered in time ends the session and its streams with Unavailable; the next request connects again", timeout, async () => {
    const server = await startServer();
    const proxy = await startProxy(server.port);
    const manager = track(new KeepAliveSessionManager(proxy.url, { pingIntervalMs: 100, pingTimeoutMs: 1_000 }));
    const inFlight = call(manager, "/hold");
    await until(() => server.held.length === 1, "the held request at the server");
    proxy.silence();
    const outcome = await within(inFlight, 10_000);
    expect(outcome).toMatch(/^failed: .*PING timed out/);
    expect(await call(manager)).toBe("ok");
    expect(server.connections).toBe(2);
  });

  it("a request after a quiet spell on a dead path is sent on a new connection, transparently", timeout, async () => {
    const server = await startServer();
    const proxy = await startProxy(server.port);
    const manager = track(new KeepAliveSessionManager(proxy.url, { pingIntervalMs: 100, pingTimeoutMs: 2_000 }));
    expect(await call(manager)).toBe("ok");
    await sleep(200);
    proxy.silence();
    expect(await call(manager)).toBe("ok");
    expect(server.connections).toBe(2);
  });

  it("an idle session closes after idleConnectionTimeoutMs; the next request opens another", timeout, async () => {
    const server = await startServer();
    const manager = track(new KeepAliveSessionManager(server.url, { idleConnectionTimeoutMs: 100 }));
    expect(await call(manager)).toBe("ok");
    await until(() => server.sessions[0]!.closed || server.sessions[0]!.destroyed, "the idle close at the server");
    expect(await call(manager)).toBe("ok");
    expect(server.connections).toBe(2);
  });

  it("a too_many_pings GOAWAY doubles the PING interval", timeout, async () => {
    const server = await startServer();
    const manager = track(new KeepAliveSessionManager(server.url, { pingIntervalMs: 1_000 }));
    expect(await call(manager)).toBe("ok");
    server.sessions[0]!.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, 1, Buffer.from("too_many_pings", "latin1"));
    await until(() => manager.pingIntervalMs !== 1_000, "the doubled interval");
    expect(manager.pingIntervalMs).toBe(2_000);
    expect(await call(manager)).toBe("ok");
  });

  it("a failed connect fails the requests waiting on it, with Node's error; the next request connects again", timeout, async () => {
    const server = await startServer();
    const refused = await startServer();
    await refused.close();
    let attempts = 0;
    const nodeOptions = {
      createConnection: () => net.connect(attempts++ === 0 ? refused.port : server.port, "127.0.0.1"),
    };
    const manager = track(new KeepAliveSessionManager(server.url, {}, nodeOptions));
    const first = await Promise.all([within(call(manager), 10_000), within(call(manager), 10_000)]);
    expect(first).toEqual([expect.stringMatching(/^failed: .*ECONNREFUSED/), expect.stringMatching(/^failed: .*ECONNREFUSED/)]);
    expect(attempts).toBe(1);
    expect(await call(manager)).toBe("ok");
  });

  it("abort() fails the open streams with its reason; a later request connects again", timeout, async () => {
    const server = await startServer();
    const manager = track(new KeepAliveSessionManager(server.url));
    const inFlight = call(manager, "/hold");
    await until(() => server.held.length === 1, "the held request at the server");
    manager.abort(new Error("shutting down"));
    expect(await within(inFlight, 10_000)).toMatch(/^failed: shutting down/);
    expect(await call(manager)).toBe("ok");
    expect(server.connections).toBe(2);
  });

  it("abort() fails the requests waiting on a connect with its reason", timeout, async () => {
    const silent = await startSilentPeer();
    const manager = track(new KeepAliveSessionManager(silent.url));
    const waiting = [within(call(manager), 10_000), within(call(manager), 10_000)];
    await until(() => silent.connections === 1, "the connect at the server");
    manager.abort(new Error("shutting down"));
    expect(await Promise.all(waiting)).toEqual(["failed: shutting down", "failed: shutting down"]);
  });

  it("gives up a connect once no call counted with callStarted() is in flight, and not before", timeout, async () => {
    const silent = await startSilentPeer();
    const manager = track(new KeepAliveSessionManager(silent.url, { connectTimeoutMs: 60_000 }));
    const endA = manager.callStarted().ended;
    const endB = manager.callStarted().ended;
    const waiting = call(manager);
    await until(() => silent.connections === 1, "the connect at the server");
    endA();
    endA(); // Twice is once: B is still in flight.
    expect(await within(waiting, 300)).toBe("pending");
    endB();
    expect(await within(waiting, 10_000)).toBe(`failed: [canceled] no call waits for the connection to ${silent.url} any more`);
    // The next call connects anew.
    const endC = manager.callStarted().ended;
    const next = call(manager);
    await until(() => silent.connections === 2, "a second connect at the server");
    endC();
    expect(await within(next, 10_000)).toMatch(/^failed: \[canceled\] no call waits/);
  });

  it("says a call that failed at its deadline waited on a connect all along, and leaves every other failure as it was", timeout, async () => {
    const silent = await startSilentPeer();
    const manager = track(new KeepAliveSessionManager(silent.url, { connectTimeoutMs: 60_000 }));
    const counted = manager.callStarted();
    const waiting = call(manager);
    await until(() => silent.connections === 1, "the connect at the server");
    const deadline = new ConnectError("GetUserMetadata got no complete response within 1 s", Code.DeadlineExceeded);
    const explained = counted.failed(deadline);
    const host = new URL(silent.url).host;
    expect(explained).toBeInstanceOf(ConnectError);
    expect((explained as ConnectError).code).toBe(Code.DeadlineExceeded);
    expect((explained as ConnectError).rawMessage).toBe(
      `the call's deadline passed while connecting: ${host} did not answer the connection (a firewall that drops it, or a host that is down): check the host and port in baseUrl, and that this machine may reach them`,
    );
    expect((explained as ConnectError).cause).toBe(deadline);
    expect(connectionFailureOf(explained)).toEqual({ kind: "no-answer", host, reason: expect.stringContaining("did not answer") });
    const other = new ConnectError("denied", Code.PermissionDenied);
    expect(counted.failed(other)).toBe(other);
    counted.ended();
    expect(await within(waiting, 10_000)).toMatch(/^failed: \[canceled\] no call waits/);
  });

  it("abort() fails a request waiting on a verification PING with its reason, and opens nothing after it", timeout, async () => {
    const server = await startServer();
    const proxy = await startProxy(server.port);
    const manager = track(new KeepAliveSessionManager(proxy.url, { pingIntervalMs: 50, pingTimeoutMs: 5_000 }));
    expect(await call(manager)).toBe("ok");
    await sleep(150);
    proxy.silence();
    const waiting = within(call(manager), 10_000);
    await sleep(100);
    manager.abort(new Error("shutting down"));
    expect(await waiting).toBe("failed: shutting down");
    expect(server.connections).toBe(1);
  });
});

interface Lifetime {
  /** The exit code; null when the test had to kill the child at 30 s: something held the process. */
  code: number | null;
  lines: string[];
  stderr: string;
}

/** Runs a scenario of test/support/session-lifetime-child.ts; `onLine` sees each line it prints and may answer on its stdin. */
function lifetime(scenario: string, url: string, onLine: (line: string, answer: () => void) => void = () => {}): Promise<Lifetime> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "test", "support", "session-lifetime-child.ts"), scenario, url], {
    cwd: root,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let stderr = "";
  let partial = "";
  child.stdout.on("data", (chunk: Buffer) => {
    partial += chunk.toString();
    for (let at = partial.indexOf("\n"); at >= 0; at = partial.indexOf("\n")) {
      const line = partial.slice(0, at);
      partial = partial.slice(at + 1);
      lines.push(line);
      onLine(line, () => child.stdin.write("go\n"));
    }
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on("error", () => {});
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) => {
    child.once("close", (code) => {
      clearTimeout(killer);
      resolve({ code, lines, stderr });
    });
  });
}

describe("the process lives exactly as long as a call needs its session", () => {
  it("an idle session does not hold it", timeout, async () => {
    const server = await startServer();
    const run = await lifetime("idle", server.url);
    expect(run, run.stderr).toMatchObject({ code: 0, lines: ["ok"] });
  });

  it("nor does a keep-alive PING of an idle session that goes unanswered (its timeout is 60 s)", timeout, async () => {
    const server = await startServer();
    const proxy = await startProxy(server.port);
    const run = await lifetime("idle-ping", proxy.url, (line, answer) => {
      if (line !== "ok") return;
      proxy.silence();
      answer();
    });
    expect(run, run.stderr).toMatchObject({ code: 0, lines: ["ok", "idle"] });
  });

  it("a call waiting on the session's PING holds it, after the session's last stream closed", timeout, async () => {
    const server = await startServer();
    const proxy = await startProxy(server.port);
    const run = await lifetime("waiting", proxy.url, (line, answer) => {
      if (line !== "holding") return;
      proxy.silence();
      answer();
    });
    // The PING timed out at 2 s; the call went on a new connection and was answered before the process ended.
    expect(run, run.stderr).toMatchObject({ code: 0, lines: ["holding", "B ok"] });
    expect(server.connections).toBe(2);
  });

  it("a connect that never completes (a TLS handshake left unanswered) fails at connectTimeoutMs, and the process is then free to exit", timeout, async () => {
    const silent = await startSilentPeer();
    const run = await lifetime("connect-timeout", silent.url);
    expect(run, run.stderr).toMatchObject({ code: 0, lines: [`[unavailable] connecting to ${silent.url} did not complete within 500 ms`] });
  });

  it(
    "nor does a TCP connect to a host that drops SYNs: its socket is destroyed at connectTimeoutMs (node:http2 would leave it connecting)",
    timeout,
    async () => {
      const peer = await startSynDropPeer();
      cleanups.push(() => peer.close());
      const run = await lifetime("connect-timeout", peer.url);
      expect(run, run.stderr).toMatchObject({ code: 0, lines: [`[unavailable] connecting to ${peer.url} did not complete within 500 ms`] });
    },
  );
});
