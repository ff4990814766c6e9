// Deadlines: every call has one (30 s unless set), a hanging server fails
// with DeadlineExceeded and a message naming the URL on every protocol, the
// call's timeoutMs wins over the transport's, 0 and Infinity opt out; token
// discovery and token requests are bounded by a limit of their own.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Transport } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ZitadelProtocol, ZitadelTransportOptions } from "../src/index.js";
import { clientCredentials, createManagementClient, createZitadelTransport } from "../src/index.js";
import { withDeadlines } from "../src/transport/deadline.js";
import { rejection } from "./support/failures.js";
import { startSilentServer } from "./support/retry-front.js";

const allProtocols: readonly ZitadelProtocol[] = ["grpc", "grpc-web", "connect", "rest"];

let silent: Awaited<ReturnType<typeof startSilentServer>>;
beforeAll(async () => {
  silent = await startSilentServer();
});
afterAll(async () => {
  await silent.close();
});

function mgmtAt(protocol: ZitadelProtocol, extra: Partial<ZitadelTransportOptions> = {}) {
  return createManagementClient(
    createZitadelTransport({
      baseUrl: silent.url,
      protocol,
      auth: "a-token-for-the-silent-server",
      ...(protocol === "connect" ? { connectV1: true } : {}),
      ...extra,
    }),
  );
}

/** The URL each protocol's call goes to. */
const urlOf = (protocol: ZitadelProtocol) =>
  protocol === "rest" ? `${silent.url}/management/v1/metadata/_search` : `${silent.url}/zitadel.management.v1.ManagementService/ListOrgMetadata`;

describe("a server that accepts and never answers", () => {
  it.each(allProtocols)("fails over %s at the transport's defaultTimeoutMs with DeadlineExceeded naming the URL", async (protocol) => {
    const started = Date.now();
    const err = await rejection(mgmtAt(protocol, { defaultTimeoutMs: 1_500 }).listOrgMetadata({}));
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(err.rawMessage).toBe(
      `zitadel.management.v1.ManagementService/ListOrgMetadata to ${urlOf(protocol)} got no complete response within 1.5 s, the call's deadline ` +
        "(set timeoutMs on the call or defaultTimeoutMs on the transport; 0 for no deadline).",
    );
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("fails at the default deadline of 30 s on every protocol when nothing is set", { timeout: 120_000 }, async () => {
    const started = Date.now();
    const errors = await Promise.all(allProtocols.map((protocol) => rejection(mgmtAt(protocol).listOrgMetadata({}))));
    for (const [i, err] of errors.entries()) {
      expect(err.code, allProtocols[i]).toBe(Code.DeadlineExceeded);
      expect(err.rawMessage).toContain(`to ${urlOf(allProtocols[i]!)} got no complete response within 30 s, the call's deadline`);
    }
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(29_000);
    expect(elapsed).toBeLessThan(80_000);
  });

  it("a call's timeoutMs wins over the transport's defaultTimeoutMs", async () => {
    const started = Date.now();
    const errors = await Promise.all(
      allProtocols.map((protocol) => rejection(mgmtAt(protocol, { defaultTimeoutMs: 600_000 }).listOrgMetadata({}, { timeoutMs: 1_000 }))),
    );
    for (const err of errors) expect([err.code, err.rawMessage.includes("within 1 s")]).toEqual([Code.DeadlineExceeded, true]);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("0 and Infinity opt out: the call waits until it is aborted", async () => {
    const controller = new AbortController();
    const calls = allProtocols.flatMap((protocol) => [
      mgmtAt(protocol, { defaultTimeoutMs: 0 }).listOrgMetadata({}, { signal: controller.signal }),
      mgmtAt(protocol, { defaultTimeoutMs: 1_000 }).listOrgMetadata({}, { signal: controller.signal, timeoutMs: 0 }),
      mgmtAt(protocol, { defaultTimeoutMs: Number.POSITIVE_INFINITY }).listOrgMetadata({}, { signal: controller.signal }),
      mgmtAt(protocol, { defaultTimeoutMs: 1_000 }).listOrgMetadata({}, { signal: controller.signal, timeoutMs: Number.POSITIVE_INFINITY }),
    ]);
    const settled = calls.map((call) =>
      call.then(
        () => "resolved",
        () => "rejected",
      ),
    );
    const pending = Symbol("pending");
    const after3s = new Promise<typeof pending>((resolve) => setTimeout(() => resolve(pending), 3_000));
    expect(await Promise.race([Promise.race(settled), after3s])).toBe(pending);
    controller.abort();
    const errors = await Promise.all(calls.map((call) => rejection(call)));
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set([Code.Canceled]));
  });

  it("tells the server the deadline: grpc-timeout and connect-timeout-ms of 30 s by default, none when opted out", async () => {
    const received = async (protocol: ZitadelProtocol, extra: Partial<ZitadelTransportOptions>) => {
      const before = silent.received().length;
      await rejection(mgmtAt(protocol, { ...extra }).listOrgMetadata({}, { timeoutMs: extra.defaultTimeoutMs === 0 ? undefined : 1_000 }));
      return silent.received().slice(before).toLowerCase();
    };
    // (With timeoutMs 1000 on the call, the header says 1000; the default shows with the transport's own below.)
    expect(await received("grpc-web", {})).toContain("grpc-timeout: 1000m");
    expect(await received("connect", {})).toContain("connect-timeout-ms: 1000");
    const abort = new AbortController();
    const before = silent.received().length;
    const call = mgmtAt("grpc-web").listOrgMetadata({}, { signal: abort.signal });
    const call2 = mgmtAt("connect").listOrgMetadata({}, { signal: abort.signal });
    const optedOut = mgmtAt("grpc-web", { defaultTimeoutMs: 0 }).listOrgMetadata({}, { signal: abort.signal });
    // Until the three requests' headers have arrived (each ends with an empty line), however slow the machine.
    const arrived = () => silent.received().slice(before).split("\r\n\r\n").length - 1;
    await vi.waitFor(() => expect(arrived()).toBeGreaterThanOrEqual(3), { timeout: 60_000, interval: 20 });
    abort.abort();
    await Promise.all([rejection(call), rejection(call2), rejection(optedOut)]);
    const text = silent.received().slice(before).toLowerCase();
    expect(text).toContain("grpc-timeout: 30000m");
    expect(text).toContain("connect-timeout-ms: 30000");
    expect(text.match(/grpc-timeout/g)?.length).toBe(1);
  });
});

describe("token requests have a limit of their own (10 s), even without a call deadline", () => {
  /** Answers discovery, then never answers the token request. */
  async function startHangingTokenEndpoint() {
    const server = createServer((req, res) => {
      if (req.url === "/.well-known/openid-configuration") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ issuer: url, token_endpoint: `${url}/oauth/v2/token` }));
      }
      // The token request: read, never answered.
      req.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, close: () => new Promise<void>((resolve) => server.closeAllConnections() ?? server.close(() => resolve())) };
  }

  it("a discovery or token endpoint that never answers fails the call after 10 s, naming the URL, under GC pressure too", { timeout: 60_000 }, async () => {
    const tokenServer = await startHangingTokenEndpoint();
    // Garbage, so that a timer only weakly held would be collected (the Node bug behind AbortSignal.timeout's lost timers).
    let junk: unknown[] = [];
    const pressure = setInterval(() => {
      junk = Array.from({ length: 20_000 }, (_, i) => ({ i, s: `x${i}` }));
    }, 20);
    try {
      const started = Date.now();
      const call = (baseUrl: string) =>
        createManagementClient(
          createZitadelTransport({
            baseUrl,
            protocol: "grpc-web",
            auth: clientCredentials({ clientId: "bot", clientSecret: "bot-secret" }),
            defaultTimeoutMs: 0,
            retry: false,
          }),
        ).listOrgMetadata({});
      const [discovery, token] = await Promise.all([rejection(call(silent.url)), rejection(call(tokenServer.url))]);
      expect(discovery.code).toBe(Code.DeadlineExceeded);
      expect(discovery.rawMessage).toBe(
        `could not get an access token: OpenID discovery at ${silent.url}/.well-known/openid-configuration got no complete answer within 10 s.`,
      );
      expect(token.code).toBe(Code.DeadlineExceeded);
      expect(token.rawMessage).toBe(`could not get an access token: token request to ${tokenServer.url}/oauth/v2/token got no complete answer within 10 s.`);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(9_000);
      expect(elapsed).toBeLessThan(45_000);
    } finally {
      clearInterval(pressure);
      junk = [];
      await tokenServer.close();
    }
    expect(junk).toEqual([]);
  });
});

describe("a transport that does not end a call when its deadline aborts it", () => {
  // Seen under load: a call caught in a session's GOAWAY outlived its 30 s deadline by over a minute
  // (test/process-safety.spec.ts's GOAWAY run). Whatever the transport under it does, the call ends.
  const ignoresItsSignal: Transport = {
    unary: () => new Promise(() => {}),
    stream: () => new Promise(() => {}),
  };

  it("fails with DeadlineExceeded naming the RPC and the URL, within a second after the deadline", async () => {
    const transport = withDeadlines(ignoresItsSignal, "http://127.0.0.1:9", 300);
    const started = Date.now();
    const err = await rejection(createManagementClient(transport).listOrgMetadata({}));
    const took = Date.now() - started;
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(err.rawMessage).toBe(
      "zitadel.management.v1.ManagementService/ListOrgMetadata to http://127.0.0.1:9/zitadel.management.v1.ManagementService/ListOrgMetadata got no complete response within 300 ms, the call's deadline (set timeoutMs on the call or defaultTimeoutMs on the transport; 0 for no deadline).",
    );
    expect(String((err.cause as Error).message)).toBe("the transport did not end the call within 1 s after its deadline aborted it");
    // The deadline and its grace, not sooner.
    expect(took).toBeGreaterThanOrEqual(1_250);
  });

  it("with no deadline (0) it waits as asked: still running after the grace", async () => {
    const transport = withDeadlines(ignoresItsSignal, "http://127.0.0.1:9", 0);
    const call = createManagementClient(transport).listOrgMetadata({});
    const outcome = await Promise.race([
      call.then(
        () => "ended",
        () => "failed",
      ),
      new Promise((resolve) => setTimeout(() => resolve("running"), 2_000)),
    ]);
    expect(outcome).toBe("running");
  });
});
