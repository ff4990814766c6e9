// Hostile input (issue 13, deliverables 8 and 9, the emulator's side): the
// emulator survives garbage, malformed HTTP/2, oversized frames, bodies and
// headers, floods of idle connections and of reset streams, keeps its state,
// and answers a normal call right after. Everything on loopback, bounded in
// size and time; the timeouts under test are set short, the waits for them
// long (a loaded 2-core machine is slow, never early).
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GetUserMetadataRequestSchema, SetUserMetadataRequestSchema } from "../gen/zitadel/management_pb.js";
import { SetUserMetadataRequestSchema as SetUserMetadataRequestV2Schema } from "../gen/zitadel/user/v2/user_service_pb.js";
import type { Emulator, EmulatorOptions } from "../src/emulator/index.js";
import { startEmulator } from "../src/emulator/index.js";
import { testSeed } from "./support/emulator.js";
import type { FaultProtocol } from "./support/fault-calls.js";
import { faultProtocols, setKey, storedValue, summary } from "./support/fault-calls.js";
import { framedMessage, http1, http2Request } from "./support/raw-http.js";
import { frameType, grpcHeaders, h2Frame, hpack, preface, RawH2 } from "./support/raw-h2.js";
import { random as seededRandom } from "./support/random.js";

/** The timeouts under test: short, so that the test waits seconds, not minutes. */
const shortTimeouts = { idleTimeoutMs: 1500, requestReadTimeoutMs: 1500 };
/** How long a test waits for something those timeouts cause: many times them. */
const generous = 20_000;

function useHostileEmulator(options: EmulatorOptions = {}) {
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ seed: testSeed, ...options });
    // State that every check below expects to find intact.
    expect(summary(await setKey(emulator, "rest", "kept", "before the attack"))).toBe("ok");
  });
  afterAll(async () => {
    await emulator?.close();
  });
  const get = () => {
    if (!emulator) throw new Error("the emulator has not started");
    return emulator;
  };
  /** The state is intact and a normal call succeeds on every protocol. */
  const expectHealthy = async () => {
    expect(storedValue(get(), "kept")).toBe("before the attack");
    for (const protocol of faultProtocols) {
      expect(summary(await setKey(get(), protocol, `healthy.${protocol}`, "yes")), protocol).toBe("ok");
    }
  };
  return { emulator: get, expectHealthy };
}

/** Opens a TCP connection, writes `bytes`, and resolves with what came back once the server closed it (or after `ms`). */
function rawExchange(port: number, bytes: Uint8Array, ms = generous): Promise<{ closed: boolean; reply: Buffer }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, "127.0.0.1", () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed: false, reply: Buffer.concat(chunks) });
    }, ms);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ closed: true, reply: Buffer.concat(chunks) });
    });
  });
}

describe("hostile input", () => {
  const { emulator, expectHealthy } = useHostileEmulator();

  it("garbage bytes on the TCP port: answered 400 and closed", async () => {
    const random = seededRandom(13);
    const garbage = Buffer.from(Array.from({ length: 64 * 1024 }, () => Math.floor(random() * 256)));
    garbage[0] = 0x17; // not "P", so no HTTP/2 preface
    const result = await rawExchange(emulator().port, garbage);
    expect(result.closed).toBe(true);
    expect(result.reply.toString("latin1")).toMatch(/^(HTTP\/1\.1 400 Bad Request|)/);
    await expectHealthy();
  });

  it("a bad HTTP/2 preface: treated as HTTP/1.1 and refused with 400", async () => {
    const result = await rawExchange(emulator().port, Buffer.from("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n\x00\x00\x00\x04\x00"));
    expect(result.closed).toBe(true);
    expect(result.reply.toString("latin1")).toMatch(/^HTTP\/1\.1 400 /);
    await expectHealthy();
  });

  it.each(faultProtocols)("an oversized body over %s is refused without reading it all into memory; nothing stored", async (protocol: FaultProtocol) => {
    const huge = "x".repeat(17 * 1024 * 1024);
    const key = `oversized.${protocol}`;
    const outcome = await setKey(emulator(), protocol, key, huge);
    // Refused one way or another: an error status, or the connection dropped.
    expect(summary(outcome)).not.toBe("ok");
    expect(storedValue(emulator(), key)).toBeUndefined();
    await expectHealthy();
  });

  it("a gRPC frame that declares 4 GiB is refused with ResourceExhausted at once (gRPC and gRPC-web)", async () => {
    const prefixOnly = Buffer.from([0, 0xff, 0xff, 0xff, 0xff]);
    const path = "/zitadel.management.v1.ManagementService/SetUserMetadata";
    const authorization = `Bearer ${emulator().user("acme-admin").token}`;
    const grpc = await http2Request(`${emulator().url}${path}`, {
      headers: { "content-type": "application/grpc", te: "trailers", authorization },
      body: prefixOnly,
    });
    expect(String(grpc.trailers?.["grpc-status"] ?? grpc.headers["grpc-status"])).toBe("8");
    const web = await http1(`${emulator().url}${path}`, { headers: { "content-type": "application/grpc-web+proto", authorization }, body: prefixOnly });
    expect(web.headers["grpc-status"]).toBe("8");
    await expectHealthy();
  });

  it("huge headers: 431 on HTTP/1.1, refused on HTTP/2; the emulator serves on", async () => {
    const big = "a".repeat(200 * 1024);
    const result = await rawExchange(emulator().port, Buffer.from(`GET /management/v1/healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`));
    expect(result.closed).toBe(true);
    expect(result.reply.toString("latin1")).toMatch(/^HTTP\/1\.1 431 /);
    // HTTP/2: one 200 KiB header in HEADERS + CONTINUATION frames.
    const conn = await RawH2.open(emulator().port);
    const block = hpack([...grpcHeaders(emulator().port, "/zitadel.management.v1.ManagementService/GetUserMetadata", "t"), ["x-big", big]]);
    const chunks: Buffer[] = [];
    for (let at = 0; at < block.length; at += 16_384) chunks.push(block.subarray(at, at + 16_384));
    conn.write(h2Frame(frameType.headers, chunks.length === 1 ? 0x5 : 0x1, 1, chunks[0]));
    chunks.slice(1).forEach((c, i) => conn.write(h2Frame(0x9, i === chunks.length - 2 ? 0x4 : 0, 1, c)));
    const refused = await conn.waitFor(
      (f) => (f.type === frameType.rstStream && f.streamId === 1) || f.type === frameType.goaway || (f.type === frameType.headers && f.streamId === 1),
      generous,
    );
    expect(refused, "the server answered the stream").toBeDefined();
    conn.destroy();
    // Many headers: 10,000 small ones over HTTP/1.1.
    const many = Array.from({ length: 10_000 }, (_, i) => `X-H${i}: v\r\n`).join("");
    const manyResult = await rawExchange(emulator().port, Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\n${many}\r\n`));
    expect(manyResult.closed).toBe(true);
    expect(manyResult.reply.toString("latin1")).toMatch(/^HTTP\/1\.1 431 /);
    await expectHealthy();
  });

  it.each([
    ["grpc (v1)", "application/grpc", "/zitadel.management.v1.ManagementService/SetUserMetadata"],
    ["grpc (v2)", "application/grpc", "/zitadel.user.v2.UserService/SetUserMetadata"],
    ["grpc-web (v1)", "application/grpc-web+proto", "/zitadel.management.v1.ManagementService/SetUserMetadata"],
    ["grpc-web (v2)", "application/grpc-web+proto", "/zitadel.user.v2.UserService/SetUserMetadata"],
  ])("a request frame with the trailer flag (0x80) over %s is refused with Internal and nothing is stored", async (_what, contentType, path) => {
    const alice = emulator().user("alice").id;
    const key = `trailer-flag.${contentType}.${path.includes("v2") ? 2 : 1}`;
    const message = path.includes("v2")
      ? framedMessage(SetUserMetadataRequestV2Schema, { userId: alice, metadata: [{ key, value: Buffer.from("v") }] })
      : framedMessage(SetUserMetadataRequestSchema, { id: alice, key, value: Buffer.from("v") });
    message[0] = 0x80;
    const headers = { "content-type": contentType, authorization: `Bearer ${emulator().user("acme-admin").token}`, te: "trailers" };
    const res =
      contentType === "application/grpc"
        ? await http2Request(`${emulator().url}${path}`, { headers, body: message })
        : await http1(`${emulator().url}${path}`, { headers, body: message });
    const status = String(res.trailers?.["grpc-status"] ?? res.headers["grpc-status"]);
    const text = decodeURIComponent(String(res.trailers?.["grpc-message"] ?? res.headers["grpc-message"]));
    expect({ status, text }).toEqual({ status: "13", text: "grpc: received unexpected payload format 128" });
    expect(storedValue(emulator(), key)).toBeUndefined();
  });
});

describe("connection limits", () => {
  const { emulator, expectHealthy } = useHostileEmulator({ connections: shortTimeouts });

  it("bad HTTP/2 frames after a good preface: GOAWAY at once, the connection closed by the idle timeout", async () => {
    const cases: [string, Buffer][] = [
      ["a SETTINGS frame of 5 bytes", h2Frame(frameType.settings, 0, 0, Buffer.alloc(5))],
      ["HEADERS on stream 0", h2Frame(frameType.headers, 0x4, 0, hpack([[":method", "GET"]]))],
      ["an HPACK block that does not decode", h2Frame(frameType.headers, 0x5, 1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))],
      ["DATA on a stream never opened", h2Frame(frameType.data, 0x1, 7, Buffer.from("hello"))],
      ["a frame larger than SETTINGS_MAX_FRAME_SIZE", h2Frame(frameType.data, 0, 1, Buffer.alloc(70_000))],
      ["a frame header claiming 16 MiB", Buffer.from([0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01])],
    ];
    for (const [what, bytes] of cases) {
      const conn = await RawH2.open(emulator().port);
      conn.write(bytes);
      const goaway = await conn.waitFor((f) => f.type === frameType.goaway, generous);
      expect(goaway?.payload.readUInt32BE(4), what).not.toBe(0);
      expect(await conn.waitClosed(generous), what).toBe(true);
      conn.destroy();
    }
    await expectHealthy();
  });

  it("1,000 idle connections: a normal call still succeeds, and the idle timeout closes them all", async () => {
    const sockets = await Promise.all(
      Array.from(
        { length: 1000 },
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const s = net.connect(emulator().port, "127.0.0.1", () => resolve(s));
            s.on("error", reject);
          }),
      ),
    );
    const closed = sockets.map((s) => new Promise<void>((r) => (s.destroyed ? r() : s.once("close", () => r()))));
    try {
      await expectHealthy();
      let timer: NodeJS.Timeout | undefined;
      const allClosed = await Promise.race([
        Promise.all(closed).then(() => true),
        new Promise<false>((r) => (timer = setTimeout(() => r(false), generous * 2))),
      ]);
      clearTimeout(timer);
      expect(allClosed, "the server closed every idle connection").toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
    }
    await expectHealthy();
  });

  it("HTTP/1.1: a keep-alive connection idle between requests is closed", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const socket = await new Promise<net.Socket>((resolve, reject) => {
        const req = http.request(`${emulator().url}/management/v1/healthz`, { agent }, (res) => {
          res.resume();
          res.on("end", () => resolve(req.socket!));
        });
        req.on("error", reject);
        req.end();
      });
      const socketClosed = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), generous);
        socket.once("close", () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      expect(await socketClosed).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it("HTTP/1.1: half-sent headers and a half-sent body are cut off", async () => {
    const headers = await rawExchange(emulator().port, Buffer.from("GET /management/v1/healthz HTTP/1.1\r\nHost: x\r\n"));
    expect(headers.closed).toBe(true);
    const path = `/management/v1/users/${emulator().user("alice").id}/metadata/half.sent`;
    const body = await rawExchange(
      emulator().port,
      Buffer.from(
        `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${emulator().user("acme-admin").token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"value":"`,
      ),
    );
    expect(body.closed).toBe(true);
    expect(storedValue(emulator(), "half.sent")).toBeUndefined();
    await expectHealthy();
  });

  it("HTTP/2: a half-sent preface is closed, an idle connection gets GOAWAY, a half-sent stream is reset", async () => {
    const partial = await rawExchange(emulator().port, preface.subarray(0, 10));
    expect(partial.closed).toBe(true);

    const idle = await RawH2.open(emulator().port);
    expect(await idle.waitClosed(generous)).toBe(true);
    expect(idle.goawayCode()).toBe(0);

    const half = await RawH2.open(emulator().port);
    half.write(
      h2Frame(
        frameType.headers,
        0x4,
        1,
        hpack(grpcHeaders(emulator().port, "/zitadel.management.v1.ManagementService/GetUserMetadata", emulator().user("acme-admin").token)),
      ),
    );
    const reset = await half.waitFor((f) => f.type === frameType.rstStream && f.streamId === 1, generous);
    expect(reset?.payload.readUInt32BE(0)).toBe(http2.constants.NGHTTP2_CANCEL);
    // And with the stream gone, the idle connection goes too.
    expect(await half.waitClosed(generous)).toBe(true);
    half.destroy();
    await expectHealthy();
  });

  it.each(["grpc", "rest"] as const)("a hanging call over %s is not cut off by the read or idle timeouts", async (protocol) => {
    const hungBefore = emulator().faultCounts.hang;
    emulator().faults.hang = 1;
    const outcome = setKey(emulator(), protocol, `hung.${protocol}`, "v", { signal: AbortSignal.timeout(shortTimeouts.idleTimeoutMs * 3) });
    // Until the call has arrived and hangs (rather than a fixed wait, which a loaded machine can outlast).
    await vi.waitFor(() => expect(emulator().faultCounts.hang).toBeGreaterThan(hungBefore), { timeout: generous, interval: 10 });
    emulator().faults.hang = 0;
    const result = await outcome;
    // Dropped by the client's own abort (ABORT_ERR), not by the server.
    expect(result.kind === "dropped" && result.error).toMatch(/ABORT|abort/);
  });
});

describe("HTTP/2 streams", () => {
  const { emulator, expectHealthy } = useHostileEmulator();

  it("announces SETTINGS_MAX_CONCURRENT_STREAMS 100 and refuses streams over it", async () => {
    const session = http2.connect(emulator().url);
    try {
      await new Promise<void>((resolve) => session.once("remoteSettings", () => resolve()));
      expect(session.remoteSettings.maxConcurrentStreams).toBe(100);
    } finally {
      session.destroy();
    }
    emulator().faults.hang = 1;
    const conn = await RawH2.open(emulator().port);
    try {
      const token = emulator().user("acme-admin").token;
      const body = framedMessage(GetUserMetadataRequestSchema, { id: emulator().user("alice").id, key: "kept" });
      const batch: Buffer[] = [];
      for (let i = 0; i < 150; i++) {
        const id = 1 + 2 * i;
        batch.push(h2Frame(frameType.headers, 0x4, id, hpack(grpcHeaders(emulator().port, "/zitadel.management.v1.ManagementService/GetUserMetadata", token))));
        batch.push(h2Frame(frameType.data, 0x1, id, body));
      }
      conn.write(Buffer.concat(batch));
      const refusedCount = async () => {
        for (let waited = 0; waited < generous; waited += 50) {
          const refused = conn.frames.filter((f) => f.type === frameType.rstStream && f.payload.readUInt32BE(0) === http2.constants.NGHTTP2_REFUSED_STREAM);
          if (refused.length >= 50) return refused.length;
          await new Promise((r) => setTimeout(r, 50));
        }
        return -1;
      };
      expect(await refusedCount()).toBe(50);
      expect(emulator().faultCounts.hang).toBeLessThanOrEqual(100);
    } finally {
      emulator().faults.hang = 0;
      conn.destroy();
    }
    await expectHealthy();
  });

  it("a rapid-reset flood (HEADERS + RST_STREAM, 20,000 streams) is cut off with ENHANCE_YOUR_CALM; a normal call is answered meanwhile", async () => {
    const conn = await RawH2.open(emulator().port);
    const token = emulator().user("acme-admin").token;
    const headers = hpack(grpcHeaders(emulator().port, "/zitadel.management.v1.ManagementService/GetUserMetadata", token));
    const rst = Buffer.alloc(4);
    rst.writeUInt32BE(http2.constants.NGHTTP2_CANCEL);
    let sent = 0;
    const flood = (async () => {
      for (let round = 0; round < 40 && !conn.closed; round++) {
        const batch: Buffer[] = [];
        for (let i = 0; i < 500; i++) {
          const id = 1 + 2 * sent++;
          batch.push(h2Frame(frameType.headers, 0x4, id, headers), h2Frame(frameType.rstStream, 0, id, rst));
        }
        if (!conn.write(Buffer.concat(batch))) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setImmediate(r));
      }
    })();
    const started = performance.now();
    // A normal call on another connection while the flood runs.
    expect(summary(await setKey(emulator(), "grpc", "during.flood", "v"))).toBe("ok");
    const during = performance.now() - started;
    await flood;
    expect(await conn.waitClosed(generous)).toBe(true);
    expect(conn.goawayCode()).toBe(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    conn.destroy();
    // "Promptly": well within a default deadline, with room for a loaded machine.
    expect(during).toBeLessThan(10_000);
    await expectHealthy();
  });
});
