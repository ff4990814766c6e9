// A child process for test/process-safety.spec.ts: runs one scenario over one
// protocol with keep-alive PINGs on, recording every uncaught exception and
// unhandled rejection instead of dying from it, and prints one line
// "SAFETY-RESULT {json}". Exit 0 when nothing was recorded, 1 otherwise, 2 if
// the scenario itself went wrong.
//
//   node --import tsx process-safety-child.ts <scenario> <protocol> <client>
//
// scenario: goaway | idle | ping-timeout | abort
// protocol: grpc | grpc-web | connect | rest (all over HTTP/2)
// client:   ours (createZitadelTransport, on our KeepAliveSessionManager)
//           | raw (connect-node's transport on connect-node's Http2SessionManager; not rest)
import * as net from "node:net";
import type { Transport } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { Emulator } from "../../src/emulator/index.js";
import { startEmulator } from "../../src/emulator/index.js";
import type { ZitadelProtocol } from "../../src/index.js";
import { createMetadataClient, createZitadelTransport } from "../../src/index.js";
import type { StallProxy } from "./stall-proxy.js";
import { startStallProxy } from "./stall-proxy.js";

type Scenario = "goaway" | "idle" | "ping-timeout" | "abort";

const recorded: { uncaught: string[]; unhandled: string[] } = { uncaught: [], unhandled: [] };
const describeError = (e: unknown) => (e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}\n${e.stack ?? ""}` : String(e));
process.on("uncaughtException", (e) => recorded.uncaught.push(describeError(e)));
process.on("unhandledRejection", (e) => recorded.unhandled.push(describeError(e)));

const [scenario, protocol, client] = process.argv.slice(2) as [Scenario, ZitadelProtocol, "ours" | "raw"];
// Under the test's own 120 s, so a stuck scenario reports itself rather than the test timing out.
// It says how far the run got, and how the calls that ended so far ended.
let stage = "starting";
const ended: string[] = [];
const watchdog = setTimeout(
  () => finish(2, { problem: `the scenario did not finish within 100 s (stuck at: ${stage}; calls ended so far: ${JSON.stringify(tally(ended))})` }),
  100_000,
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for a condition, polling; throws naming it after 30 s. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited >= 30_000) throw new Error(`not within 30 s: ${what}`);
    await sleep(10);
  }
}

/** Runs `call` and says how it ended: "ok" or the ConnectError's code name. */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  const result = await call().then(
    () => "ok",
    (e: unknown) => {
      // A ConnectError (raw transports) or our ZitadelError: both carry connect's Code.
      const code: unknown = e instanceof ConnectError ? e.code : (e as { code?: unknown }).code;
      return typeof code === "number" && Code[code] !== undefined ? Code[code] : `no code: ${String(e)}`;
    },
  );
  ended.push(result);
  return result;
}

function tally(outcomes: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
  return counts;
}

function finish(problemCode: number, report: Record<string, unknown>): never {
  const clean = recorded.uncaught.length === 0 && recorded.unhandled.length === 0;
  process.stdout.write(`SAFETY-RESULT ${JSON.stringify({ scenario, protocol, client, ...recorded, ...report })}\n`);
  process.exit(problemCode !== 0 ? problemCode : clean ? 0 : 1);
}

let emulator: Emulator | undefined;
let proxy: StallProxy | undefined;
try {
  emulator = await startEmulator(scenario === "idle" ? { connections: { idleTimeoutMs: 150 } } : {});
  const admin = emulator.user("acme-admin");
  const alice = emulator.user("alice");
  if (scenario === "ping-timeout") proxy = await startStallProxy(emulator.port);
  const baseUrl = proxy?.url ?? emulator.url;

  // Every TCP connection the client opens, counted: new sessions after the event show as new connections.
  let connections = 0;
  // And those still open: the idle scenario waits for the server's close to have reached the client.
  let openConnections = 0;
  const nodeOptions = {
    createConnection: (authority: URL) => {
      connections++;
      openConnections++;
      const socket = net.connect(Number(authority.port), authority.hostname);
      socket.once("close", () => openConnections--);
      return socket;
    },
  };
  // PINGs every millisecond make the race of connect-es #1795 (a PING timer firing on a destroyed session) likely;
  // the ping-timeout scenario needs a timeout that fires and an interval that lets the calls through first.
  const ping =
    scenario === "ping-timeout"
      ? { pingIntervalMs: 200, pingTimeoutMs: 400, pingIdleConnection: true }
      : { pingIntervalMs: 1, pingTimeoutMs: 5_000, pingIdleConnection: true };
  const api = protocol === "connect" ? "v2" : "v1";
  let transport: Transport;
  if (client === "ours") {
    // No call may wait for its deadline; should one, it fails DeadlineExceeded at 5 s rather than 30 s, and the
    // run still fits in the watchdog and reports it.
    const stuckCallDeadline = scenario === "goaway" ? { defaultTimeoutMs: 5_000 } : {};
    transport =
      protocol === "grpc"
        ? createZitadelTransport({ baseUrl, protocol, auth: admin.token, retry: false, nodeOptions, ...ping, ...stuckCallDeadline })
        : createZitadelTransport({ baseUrl, protocol, auth: admin.token, retry: false, httpVersion: "2", nodeOptions, ...ping, ...stuckCallDeadline });
  } else {
    const interceptors = [
      (next: Parameters<import("@connectrpc/connect").Interceptor>[0]) => (req: Parameters<typeof next>[0]) => {
        req.header.set("authorization", `Bearer ${admin.token}`);
        return next(req);
      },
    ];
    // connect-node's own transports have no default deadline: a call caught in the race that throws from the
    // PING timer can wait forever on its dead session. A 5 s one keeps the raw GOAWAY run within the watchdog
    // on a loaded machine (what is asserted of raw runs is the uncaught exception, not the calls).
    const common = { baseUrl, interceptors, nodeOptions, ...ping, defaultTimeoutMs: 5_000 };
    if (protocol === "grpc") transport = createGrpcTransport(common);
    else if (protocol === "grpc-web") transport = createGrpcWebTransport({ ...common, httpVersion: "2" });
    else if (protocol === "connect") transport = createConnectTransport({ ...common, httpVersion: "2" });
    else throw new Error(`no raw connect-node transport for protocol ${protocol}`);
  }
  const user = createMetadataClient(transport, { api, orgId: admin.orgId }).user(alice.id);
  const key = `safety.${scenario}.${protocol}.${client}`;
  let n = 0;
  /** A write and a read of what it wrote. */
  const roundTrip = async (options: { signal?: AbortSignal; timeoutMs?: number } = {}) => {
    const value = `v${++n}`;
    await user.set(key, value, options);
    const entry = await user.get(key, options);
    if (entry?.text() !== value) throw new Error(`read ${String(entry?.text())}, wrote ${value}`);
  };

  // Before the event: the client works.
  stage = "the call before the event";
  const before = await outcome(() => roundTrip());
  stage = `the ${scenario} event`;
  const connectionsBefore = connections;
  let during: string[] = [];
  const details: Record<string, unknown> = {};

  switch (scenario) {
    case "goaway": {
      // GOAWAY mid-traffic: 4 lanes of calls, half of the requests answered with GOAWAY and a refused stream.
      emulator.faults.goaway = 0.5;
      during = (
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            const lane: string[] = [];
            for (let i = 0; i < 12; i++) lane.push(await outcome(() => user.get(key)));
            return lane;
          }),
        )
      ).flat();
      emulator.faults.goaway = 0;
      details.goaways = emulator.faultCounts.goaway;
      break;
    }
    case "idle": {
      // Idle close by the server (GOAWAY after 150 ms without a stream), several times, with PINGs going meanwhile.
      for (let i = 0; i < 4; i++) {
        await sleep(500);
        // And until the client has seen the close: on a stalled (loaded) machine the idle timer and
        // this sleep can fire in one go, and a call sent into the GOAWAY is refused; that is the
        // race of any HTTP/2 idle close, not what this scenario is about.
        await until(() => openConnections === 0, "the server's idle close at the client");
        during.push(await outcome(() => roundTrip()));
      }
      break;
    }
    case "ping-timeout": {
      // The path goes silent under an in-flight call: the PING times out, the session is destroyed, the call fails.
      proxy!.stall();
      const stalledCall = outcome(() => user.get(key, { timeoutMs: 20_000 }));
      during.push(await stalledCall);
      // An idle connection whose PING goes unanswered: destroyed again, quietly.
      proxy!.resume();
      during.push(await outcome(() => user.get(key)));
      proxy!.stall();
      await sleep(1_500);
      proxy!.resume();
      details.proxyConnections = proxy!.connections;
      break;
    }
    case "abort": {
      // Calls aborted in flight (the emulator delays every answer), and one aborted before it starts.
      emulator.faults.latencyMs = 400;
      const controllers = Array.from({ length: 8 }, () => new AbortController());
      const calls = controllers.map((c, i) =>
        outcome(() => (i % 2 === 0 ? user.get(key, { signal: c.signal }) : user.set(key, "aborted", { signal: c.signal }))),
      );
      await sleep(100);
      for (const c of controllers) c.abort();
      const early = new AbortController();
      early.abort();
      calls.push(outcome(() => user.get(key, { signal: early.signal })));
      during = await Promise.all(calls);
      emulator.faults.latencyMs = 0;
      break;
    }
  }

  // Give timers of the dead sessions time to fire (the PING interval, the idle close).
  await sleep(300);
  // After the event: new calls work (on a new session where the old one died).
  stage = "the calls after the event";
  const after: string[] = [];
  for (let i = 0; i < 3; i++) after.push(await outcome(() => roundTrip()));
  await sleep(300);
  clearTimeout(watchdog);
  finish(0, {
    before,
    during: tally(during),
    after: tally(after),
    connectionsBefore,
    connectionsAfter: connections,
    ...details,
  });
} catch (e) {
  finish(2, { problem: describeError(e) });
} finally {
  await proxy?.close();
  await emulator?.close();
}
