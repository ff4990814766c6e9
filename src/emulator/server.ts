import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;

/** What a handler may do to the connection a request came on (the emulator's faults). */
export interface ConnectionControl {
  /** "1.1" or "2". */
  readonly httpVersion: "1.1" | "2";
  /** A TCP reset (RST) of the whole connection: every call on it loses its answer. */
  reset(): void;
  /**
   * A graceful shutdown before this request is handled. HTTP/2: GOAWAY
   * (NO_ERROR) and this stream reset with REFUSED_STREAM (not processed);
   * calls already running finish. HTTP/1.1: the connection is closed (FIN)
   * without an answer.
   */
  refuseAndClose(): void;
}

export type Handler = (req: NodeRequest, res: NodeResponse, connection: ConnectionControl) => void;

/** How long connections may sit idle or half-sent, and what HTTP/2 allows per connection. */
export interface ConnectionLimits {
  /**
   * A connection with no request in progress is closed after this long, in
   * milliseconds: a new TCP connection that has sent nothing, an HTTP/1.1
   * keep-alive connection between requests, an HTTP/2 connection with no
   * open stream (closed with GOAWAY). A request being handled, or one that
   * hangs on purpose (the hang fault), is never idle. Default 120000 (2 min,
   * the idle timeout of many load balancers; Go's servers have none unless set).
   */
  idleTimeoutMs: number;
  /**
   * A request must arrive whole (request line, headers and body; on HTTP/2
   * the stream's HEADERS and DATA up to END_STREAM; before either, the
   * HTTP/2 connection preface once it has begun) within this long, in
   * milliseconds. Otherwise HTTP/1.1 answers 408 and closes the connection;
   * HTTP/2 resets the stream with CANCEL; a half-sent preface closes the
   * connection. Default 60000.
   */
  requestReadTimeoutMs: number;
  /**
   * SETTINGS_MAX_CONCURRENT_STREAMS of every HTTP/2 connection: streams over
   * it are refused (RST_STREAM REFUSED_STREAM). Default 100, the minimum
   * RFC 9113 recommends and what many front ends (e.g. Google's) announce;
   * Go's x/net/http2 server defaults to 250, grpc-go alone to no limit.
   */
  maxConcurrentStreams: number;
  /**
   * Rapid-reset guard (CVE-2023-44487): an HTTP/2 connection on which the
   * client resets more than this many streams (before their answer) within
   * one second is closed with GOAWAY ENHANCE_YOUR_CALM. Default 200.
   * (Node's HTTP/2 layer also gives up on such a connection, and on one
   * that sends malformed frames, with a GOAWAY of its own, but leaves the
   * socket open: the idle timeout closes those.)
   */
  maxClientResetsPerSecond: number;
}

/** The connection limits the emulator uses unless `startEmulator({ connections })` changes them. */
export const defaultConnectionLimits: ConnectionLimits = {
  idleTimeoutMs: 120_000,
  requestReadTimeoutMs: 60_000,
  maxConcurrentStreams: 100,
  maxClientResetsPerSecond: 200,
};

/** The limits with defaults filled in; throws a TypeError naming a bad value. */
export function resolveConnectionLimits(input: Partial<ConnectionLimits> | undefined, where: string): ConnectionLimits {
  if (input !== undefined && (typeof input !== "object" || input === null)) throw new TypeError(`${where} must be an object.`);
  const out = { ...defaultConnectionLimits };
  for (const [name, value] of Object.entries(input ?? {})) {
    if (!(name in out)) throw new TypeError(`${where}: unknown limit "${name}" (known: ${Object.keys(out).join(", ")}).`);
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw new TypeError(`${where}: ${name} must be a whole number ≥ 1 (got ${String(value)}).`);
    }
    if (name === "maxConcurrentStreams" && value > 2 ** 31 - 1) throw new TypeError(`${where}: maxConcurrentStreams must be at most 2^31 - 1.`);
    out[name as keyof ConnectionLimits] = value;
  }
  return out;
}

/** Every HTTP/2 connection opens with this preface; HTTP/1.1 never does. */
const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export interface ListeningServer {
  readonly host: string;
  readonly port: number;
  /** Stops accepting, ends open connections, and resolves when all are gone. */
  close(): Promise<void>;
  /** Open TCP connections right now. */
  readonly connections: number;
}

/**
 * Serves one handler over HTTP/1.1 and cleartext HTTP/2 (prior knowledge, as
 * gRPC clients and `buf curl --http2-prior-knowledge` use it) on one port.
 * Node's cleartext http2 server does not fall back to HTTP/1.1, so a plain
 * TCP server peeks at the first bytes of each connection and hands the socket
 * to whichever server speaks its protocol. Idle and half-sent connections
 * are closed after the {@link ConnectionLimits}.
 */
export async function listen(handler: Handler, host: string, port: number, limits: ConnectionLimits = defaultConnectionLimits): Promise<ListeningServer> {
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  /** The TCP socket under each HTTP/2 session (session.socket is a proxy that refuses destroy()). */
  const rawSocketOf = new WeakMap<http2.Http2Session, net.Socket>();
  let handingOver: net.Socket | undefined;

  const h1Control = (socket: net.Socket): ConnectionControl => ({
    httpVersion: "1.1",
    reset: () => resetSocket(socket),
    refuseAndClose: () => socket.end(),
  });
  const h2Control = (res: http2.Http2ServerResponse): ConnectionControl => {
    const stream = res.stream;
    const session = stream.session;
    return {
      httpVersion: "2",
      reset: () => {
        const raw = session ? rawSocketOf.get(session) : undefined;
        if (raw) resetSocket(raw);
        else session?.destroy();
      },
      refuseAndClose: () => {
        if (!session || session.destroyed) return;
        // "Everything up to the newest stream may still be processed", then
        // this one refused: REFUSED_STREAM guarantees it was not.
        session.goaway(http2.constants.NGHTTP2_NO_ERROR, newestStreamOf.get(session) ?? stream.id ?? 0);
        if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
        session.close();
      },
    };
  };

  const h1 = http.createServer(
    {
      keepAliveTimeout: limits.idleTimeoutMs,
      headersTimeout: limits.requestReadTimeoutMs,
      requestTimeout: limits.requestReadTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(limits.requestReadTimeoutMs / 4))),
    },
    (req, res) => handler(req, res, h1Control(req.socket)),
  );
  // Node checks headersTimeout and requestTimeout from a timer it starts on
  // "listening"; this server never listens itself (the TCP server below hands
  // it its sockets), so start the checks here.
  h1.emit("listening");
  // Clients that send an HTTP/1.1 request with bad framing get a 400, not a crash.
  h1.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") return socket.end("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
    if (err.code === "HPE_HEADER_OVERFLOW") return socket.end("HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n");
    socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  });

  const newestStreamOf = new WeakMap<http2.Http2Session, number>();
  const h2 = http2.createServer(
    {
      settings: { maxConcurrentStreams: limits.maxConcurrentStreams },
    },
    (req, res) => handler(req, res, h2Control(res)),
  );
  h2.on("sessionError", () => {});
  h2.on("session", (session) => {
    sessions.add(session);
    if (handingOver) rawSocketOf.set(session, handingOver);
    session.on("error", () => {});
    let open = 0;
    let idleTimer: NodeJS.Timeout | undefined;
    const idle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        if (!session.closed && !session.destroyed) session.close();
        // A client that ignores GOAWAY and keeps the socket open goes after a grace period.
        setTimeout(() => session.destroy(), Math.min(limits.idleTimeoutMs, 10_000)).unref();
      }, limits.idleTimeoutMs);
      idleTimer.unref();
    };
    idle();
    let resetWindowStart = 0;
    let resetsInWindow = 0;
    session.on("stream", (stream) => {
      newestStreamOf.set(session, Math.max(newestStreamOf.get(session) ?? 0, stream.id ?? 0));
      open++;
      clearTimeout(idleTimer);
      let received = false;
      stream.once("end", () => (received = true));
      const readTimer = setTimeout(() => {
        if (!received && !stream.destroyed && !stream.headersSent) stream.close(http2.constants.NGHTTP2_CANCEL);
      }, limits.requestReadTimeoutMs);
      readTimer.unref();
      stream.on("error", () => {});
      stream.once("close", () => {
        clearTimeout(readTimer);
        open--;
        if (open === 0 && !session.destroyed) idle();
        // A reset by the client before we finished answering: count it for the rapid-reset guard.
        if (stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR && !stream.headersSent && !session.destroyed) {
          const now = Date.now();
          if (now - resetWindowStart > 1000) {
            resetWindowStart = now;
            resetsInWindow = 0;
          }
          if (++resetsInWindow > limits.maxClientResetsPerSecond) {
            session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
            // A moment for the GOAWAY to go out; destroy() would drop it.
            setTimeout(() => session.destroy(), 100).unref();
          }
        }
      });
    });
    session.once("close", () => {
      clearTimeout(idleTimer);
      sessions.delete(session);
    });
  });

  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    // Until the protocol is known: idle with no byte at all, then the read timeout for a half-sent preface.
    let peekTimer = setTimeout(() => socket.destroy(), limits.idleTimeoutMs);
    peekTimer.unref();
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      if (seen.length === 0) {
        clearTimeout(peekTimer);
        peekTimer = setTimeout(() => socket.destroy(), limits.requestReadTimeoutMs);
        peekTimer.unref();
      }
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, http2Preface.length);
      const looksLikeHttp2 = seen.subarray(0, n).equals(http2Preface.subarray(0, n));
      if (looksLikeHttp2 && seen.length < http2Preface.length) return; // wait for the rest of the preface
      clearTimeout(peekTimer);
      socket.off("data", onData);
      socket.pause();
      socket.unshift(seen);
      if (looksLikeHttp2) {
        // http2 reads what is buffered on the socket before taking over its handle.
        handingOver = socket;
        try {
          h2.emit("connection", socket);
        } finally {
          handingOver = undefined;
        }
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
    socket.once("close", () => clearTimeout(peekTimer));
  });

  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, host, () => {
      tcp.off("error", reject);
      resolve();
    });
  });
  const address = tcp.address() as net.AddressInfo;
  return {
    host,
    port: address.port,
    get connections() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        // Stops Node's header and request timeout checks (started above); the server itself never listened.
        h1.close(() => {});
        for (const s of sessions) s.close();
        for (const s of sockets) s.destroy();
      }),
  };
}

/** A TCP reset: RST instead of FIN, as a load balancer that drops a connection sends. */
function resetSocket(socket: net.Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
