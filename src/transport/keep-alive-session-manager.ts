// The HTTP/2 session manager under every Node transport over HTTP/2 (unless
// the caller brings a sessionManager): the interface connect-node's
// transports take, written here rather than taken from connect-node.
//
// Why not connect-node's Http2SessionManager: in 2.1, the last release that
// runs on Node 20, it can end the process or stop working for good:
//
// - a keep-alive PING timer that fires on a session a GOAWAY, reset, idle
//   close or abort has just destroyed throws ERR_HTTP2_INVALID_SESSION from
//   the timer, an uncaught exception (connect-es #1795);
// - a session destroyed by a PING timeout can raise its "error" event after
//   the manager stopped listening, thrown as uncaught;
// - a request on a session quiet for longer than the PING interval first
//   verifies it with a PING; if the session closes without an error under
//   that PING (a graceful GOAWAY, a peer's FIN), the verification never
//   settles, and the manager keeps it for every later verification: from then
//   on every call that needs one waits until its deadline.
//
// connect-node 2.3 fixes these, but needs Node 22. This manager behaves as
// connect-node's does (one session at a time, kept alive with PINGs as in
// gRPC's client-side keep-alive; a session the server sent GOAWAY finishes
// its streams while new ones go to a new session; the idle close; the
// too_many_pings back-off) and settles every wait on every outcome
// (keep-alive-session.ts). test/process-safety.spec.ts and
// test/keep-alive-session-manager.spec.ts show both managers side by side.
// Node only: never import this from the browser entry.
import * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import type { GrpcTransportOptions, Http2SessionOptions } from "@connectrpc/connect-node";
import type { KeepAliveSettings } from "./keep-alive-session.js";
import { KeepAliveSession } from "./keep-alive-session.js";
import { ownedSocket } from "./http2-socket.js";
import { formatDuration } from "./deadline.js";
import { maxTimerMs } from "../core/deadline.js";
import { ZitadelConfigError } from "../core/config-error.js";
import { explainedConnectionFailure, noAnswer } from "../interceptor/connection-failure.js";
import type { CountedCall } from "./counted-calls.js";

/** The session manager interface connect-node's HTTP/2 transports take (connect-node does not export its name). */
export type NodeHttp2ClientSessionManager = NonNullable<GrpcTransportOptions["sessionManager"]>;

/** The connection options of an HTTP/2 transport that configure its session manager. */
export interface Http2ConnectionOptions extends KeepAliveSessionOptions {
  sessionManager?: NodeHttp2ClientSessionManager;
  nodeOptions?: http2.ClientSessionOptions | http2.SecureClientSessionOptions;
}

/** By default, a TCP (and TLS) connect that has not completed in this long fails Unavailable, as in connect-node 2.3. */
const defaultConnectTimeoutMs = 20_000;

/** The manager's options: connect-node's, and connect-node 2.3's connectTimeoutMs (not in 2.1's type). */
export interface KeepAliveSessionOptions extends Http2SessionOptions {
  /** A connect (TCP and TLS) not complete after this long fails Unavailable; default 20 s, Infinity for none. */
  connectTimeoutMs?: number;
}

/**
 * Checks a connectTimeoutMs option: a whole number of milliseconds a timer
 * can take, or Infinity for none (as connect-node 2.3 reads it).
 */
export function checkConnectTimeoutMs(value: unknown, entry: string): void {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > maxTimerMs) {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "connectTimeoutMs",
      entry,
      problem: `option "connectTimeoutMs" must be a whole number of milliseconds from 1 to ${maxTimerMs}, or Infinity for none, got ${String(value)}; leave it out for the default of ${defaultConnectTimeoutMs / 1000} s.`,
    });
  }
}
/** New sessions that may die before a stream goes on one, in one request, before it fails. */
const maxFreshSessions = 3;

export class KeepAliveSessionManager implements NodeHttp2ClientSessionManager {
  readonly authority: string;
  private readonly settings: KeepAliveSettings;
  private readonly nodeOptions: http2.ClientSessionOptions | http2.SecureClientSessionOptions | undefined;
  /** The session new streams go on, once connected. */
  private current: KeepAliveSession | undefined;
  /** The connect in progress, which concurrent requests share. */
  private connecting: { promise: Promise<KeepAliveSession>; cancel: (reason: Error) => void } | undefined;
  /** Every session not yet closed: the current one and those finishing their streams after a GOAWAY. */
  private readonly open = new Set<KeepAliveSession>();
  /** How many times abort() was called, and its last reason: what requests waiting across an abort fail with. */
  private aborts = 0;
  private abortReason: Error | undefined;

  private readonly connectTimeoutMs: number;
  /** Calls in flight on the transport over this manager, as callStarted() counts them. */
  private callsInFlight = 0;
  /** How many sessions have connected so far. */
  private sessionsConnected = 0;

  constructor(url: string, options: KeepAliveSessionOptions = {}, nodeOptions?: http2.ClientSessionOptions | http2.SecureClientSessionOptions) {
    this.authority = new URL(url).origin;
    this.nodeOptions = nodeOptions;
    this.connectTimeoutMs = options.connectTimeoutMs ?? defaultConnectTimeoutMs;
    this.settings = {
      pingIntervalMs: options.pingIntervalMs ?? Number.POSITIVE_INFINITY,
      pingTimeoutMs: options.pingTimeoutMs ?? 15_000,
      pingIdleConnection: options.pingIdleConnection ?? false,
      idleConnectionTimeoutMs: options.idleConnectionTimeoutMs ?? 15 * 60_000,
    };
  }

  /** The keep-alive PING interval now: the one configured, doubled for each too_many_pings GOAWAY. */
  get pingIntervalMs(): number {
    return this.settings.pingIntervalMs;
  }

  /** Opens a stream on a working session: the current one (verified after a quiet spell) or a new one. */
  async request(
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    options: Omit<http2.ClientSessionRequestOptions, "signal">,
  ): Promise<http2.ClientHttp2Stream> {
    let lastFailure: unknown;
    const aborts = this.aborts;
    /** An abort() while this request waited fails it with abort's reason, rather than opening a session after it. */
    const checkAborted = () => {
      if (this.aborts !== aborts) throw this.abortReason;
    };
    for (let fresh = 0; fresh < maxFreshSessions; ) {
      let session = this.current;
      if (session === undefined || !session.usable) {
        this.current = undefined;
        session = await this.connect();
        checkAborted();
        fresh++;
      }
      const verified = await session.verified();
      checkAborted();
      if (!verified) {
        lastFailure = new ConnectError("the session did not answer its PING", Code.Unavailable);
        continue;
      }
      try {
        if (!session.usable) continue;
        return session.request({ ...headers, ":method": method, ":path": path }, options);
      } catch (e) {
        // The session closed between the check and the stream (nodejs/help#2105): another session.
        if (session.usable) throw e;
        lastFailure = e;
      }
    }
    throw new ConnectError(
      `${maxFreshSessions} new HTTP/2 sessions to ${this.authority} ended before a stream could open on them`,
      Code.Unavailable,
      undefined,
      undefined,
      lastFailure,
    );
  }

  /**
   * Says that a call of the transport over this manager started. Once it
   * has ended, the call says so with `ended()`; when the last call in flight
   * has ended, a connect still in progress is given up: no call waits for it
   * (connect's transports cannot tell a request they stopped waiting for, so
   * the transport counts its calls), and a host that drops SYNs must not hold
   * the process for connectTimeoutMs after the calls gave up on it. A call
   * that failed at its deadline while this manager was still connecting,
   * with no usable session when it started and none connected since, gets
   * from `failed()` the error that says the host did not answer (kind
   * "no-answer").
   */
  callStarted(): CountedCall {
    this.callsInFlight++;
    // A call that starts on a usable session may have gone on it: only a call that had none is said to wait on the connect.
    const sessionsBefore = this.current?.usable === true ? undefined : this.sessionsConnected;
    let ended = false;
    return {
      failed: (error) => {
        const neverConnected = this.connecting !== undefined && this.sessionsConnected === sessionsBefore;
        if (!neverConnected || !(error instanceof ConnectError) || error.code !== Code.DeadlineExceeded) return error;
        const host = new URL(this.authority).host;
        return explainedConnectionFailure(error, noAnswer(host), Code.DeadlineExceeded, "the call's deadline passed while connecting: ");
      },
      ended: () => {
        if (ended) return;
        ended = true;
        this.callsInFlight--;
        if (this.callsInFlight === 0)
          this.connecting?.cancel(new ConnectError(`no call waits for the connection to ${this.authority} any more`, Code.Canceled));
      },
    };
  }

  notifyResponseByteRead(stream: http2.ClientHttp2Stream): void {
    for (const session of this.open) session.responseByteRead(stream);
  }

  /** Ends every session and the connect in progress; their streams and waiting requests fail with `reason` (default Canceled). */
  abort(reason?: Error): void {
    const err = reason ?? new ConnectError("connection aborted", Code.Canceled);
    this.aborts++;
    this.abortReason = err;
    this.connecting?.cancel(err);
    this.current = undefined;
    for (const session of this.open) session.destroy(err);
  }

  /** The current session, once connected; concurrent callers share one connect. */
  private connect(): Promise<KeepAliveSession> {
    if (this.connecting === undefined) {
      const attempt = this.startConnect();
      this.connecting = attempt;
      const done = () => {
        if (this.connecting === attempt) this.connecting = undefined;
      };
      attempt.promise.then(done, done);
    }
    return this.connecting.promise;
  }

  private startConnect(): { promise: Promise<KeepAliveSession>; cancel: (reason: Error) => void } {
    // Our own socket: one still connecting is destroyed with it (http2-socket.ts says why).
    const socket = ownedSocket(this.nodeOptions);
    const conn = http2.connect(this.authority, { ...this.nodeOptions, createConnection: socket.createConnection });
    // From the start to the end of the session: an error nobody else listens for is not thrown.
    conn.on("error", ignore);
    let cancel: (reason: Error) => void = () => {};
    const promise = new Promise<KeepAliveSession>((resolve, reject) => {
      const fail = (reason: Error) => {
        cleanup();
        if (!conn.destroyed) conn.destroy(undefined, http2.constants.NGHTTP2_CANCEL);
        // The session's destroy leaves a socket still connecting (a host that drops SYNs) to go on, holding the process.
        socket.destroy();
        reject(reason);
      };
      const onConnect = () => {
        cleanup();
        if (conn.destroyed || conn.closed) {
          reject(new ConnectError("the HTTP/2 session ended as it connected", Code.Unavailable));
          return;
        }
        const session = new KeepAliveSession(conn, this.settings, () => {
          // gRPC's keep-alive: a server that finds the PINGs too frequent gets half as many.
          this.settings.pingIntervalMs *= 2;
        });
        this.open.add(session);
        void session.closed.then(() => {
          this.open.delete(session);
          if (this.current === session) this.current = undefined;
        });
        this.current = session;
        this.sessionsConnected++;
        resolve(session);
      };
      const onError = (err: Error) => fail(err);
      const timeout =
        this.connectTimeoutMs > maxTimerMs ? undefined : setTimeout(() => fail(connectTimedOut(this.authority, this.connectTimeoutMs)), this.connectTimeoutMs);
      const cleanup = () => {
        clearTimeout(timeout);
        conn.off("connect", onConnect);
        conn.off("error", onError);
      };
      conn.once("connect", onConnect);
      conn.on("error", onError);
      cancel = fail;
    });
    // A connect nobody waits for any more still settles; its failure is the waiters' (if any), never unhandled.
    promise.catch(() => {});
    return { promise, cancel };
  }
}

/**
 * The session manager of an HTTP/2 transport to `baseUrl`: this one, made
 * from the ping, idle and connect settings and `nodeOptions`, as connect-node would
 * make its own.
 */
export function keepAliveSessionManager(baseUrl: string, options: Omit<Http2ConnectionOptions, "sessionManager">): KeepAliveSessionManager {
  const { pingIntervalMs, pingIdleConnection, pingTimeoutMs, idleConnectionTimeoutMs, connectTimeoutMs, nodeOptions } = options;
  return new KeepAliveSessionManager(baseUrl, { pingIntervalMs, pingIdleConnection, pingTimeoutMs, idleConnectionTimeoutMs, connectTimeoutMs }, nodeOptions);
}

function ignore(): void {}

/** A connect's timeout: Unavailable, caused by an ETIMEDOUT as the kernel's own connect timeout is (connection-failure.ts explains both). */
function connectTimedOut(authority: string, timeoutMs: number): ConnectError {
  const host = new URL(authority).host;
  const cause = Object.assign(new Error(`connect ETIMEDOUT ${host}`), { code: "ETIMEDOUT" });
  return new ConnectError(`connecting to ${authority} did not complete within ${formatDuration(timeoutMs)}`, Code.Unavailable, undefined, undefined, cause);
}
