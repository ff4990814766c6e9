// One HTTP/2 client session of KeepAliveSessionManager, with its keep-alive:
// the streams open on it, PINGs while it has streams (or always, with
// pingIdleConnection), a PING before reuse after a quiet spell, the idle
// close, and whether the server has asked it to go away.
//
// Every way this session can end settles what waits on it. A PING that is
// cancelled because the session closed, a PING timeout, a late "error" event:
// none is thrown, none leaves a promise pending. (connect-node 2.1's manager
// leaves its verification pending forever when the session closes under the
// PING, and every later call on the manager waits on it; see
// keep-alive-session-manager.ts.)
import * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { maxTimerMs } from "../core/deadline.js";

/** The keep-alive settings of a session, as connect-node's Http2SessionOptions names them, with their defaults applied. */
export interface KeepAliveSettings {
  /** PING this often while streams are open (and while idle, with pingIdleConnection); Infinity: never. */
  pingIntervalMs: number;
  /** A PING not answered within this long ends the session with Unavailable "PING timed out". */
  pingTimeoutMs: number;
  pingIdleConnection: boolean;
  /** A session without streams for this long is closed. */
  idleConnectionTimeoutMs: number;
}

/** An unref'd timer; a delay over the largest setTimeout takes (Infinity included) means "never". */
function timer(callback: () => void, ms: number): NodeJS.Timeout | undefined {
  if (!(ms <= maxTimerMs)) return undefined;
  return setTimeout(callback, Math.max(0, ms)).unref();
}

export class KeepAliveSession {
  readonly conn: http2.ClientHttp2Session;
  private readonly settings: KeepAliveSettings;
  private streams = 0;
  /** When the session last showed it was alive: a PING answered, response bytes read. */
  private lastAliveAt = Date.now();
  /** No new stream goes on this session: the server sent GOAWAY, it was idle too long, or a PING failed. */
  private retired = false;
  private pingTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** The PING in flight: keep-alive and verification share it. */
  private pinging: Promise<boolean> | undefined;
  /** Requests waiting on a verification PING. */
  private waiting = 0;
  private readonly ended: Promise<void>;

  /**
   * Takes over a connected session. `onTooManyPings` is told when the server
   * sent GOAWAY ENHANCE_YOUR_CALM "too_many_pings" (the manager doubles its interval).
   */
  constructor(conn: http2.ClientHttp2Session, settings: KeepAliveSettings, onTooManyPings: () => void) {
    this.conn = conn;
    this.settings = settings;
    // An "error" nobody else listens for is not thrown: the manager listens from http2.connect on, for the
    // session's whole life (keep-alive-session-manager.ts). The streams get their own errors, and so the calls.
    conn.on("goaway", (code: number, _lastStreamId: number, data?: Buffer) => {
      this.retired = true;
      if (code === http2.constants.NGHTTP2_ENHANCE_YOUR_CALM && data?.toString("latin1") === "too_many_pings") onTooManyPings();
      // Node closes the session on a NO_ERROR GOAWAY and lets its streams finish; with none open, end it now.
      if (this.streams === 0) conn.destroy();
    });
    this.ended = new Promise((resolve) => conn.once("close", resolve));
    void this.ended.then(() => this.stopTimers());
    conn.unref();
    this.armPing();
    this.armIdle();
  }

  /** Whether a new stream may go on this session. */
  get usable(): boolean {
    return !this.retired && !this.conn.closed && !this.conn.destroyed;
  }

  /** Resolves once the session has closed. */
  get closed(): Promise<void> {
    return this.ended;
  }

  /**
   * Whether the session still works after a quiet spell longer than the PING
   * interval: a PING must come back within the PING timeout. false: it did
   * not, and no new stream goes on this session (one whose PING timed out has
   * been ended).
   */
  async verified(): Promise<boolean> {
    if (Date.now() - this.lastAliveAt <= this.settings.pingIntervalMs) return true;
    // A request waiting on the PING keeps the process alive; a keep-alive PING alone does not.
    this.waiting++;
    this.holdProcess();
    try {
      return await this.ping();
    } finally {
      this.waiting--;
      this.holdProcess();
    }
  }

  /** Opens a stream; throws what Node throws if the session cannot take one (the manager then opens another session). */
  request(headers: http2.OutgoingHttpHeaders, options: http2.ClientSessionRequestOptions): http2.ClientHttp2Stream {
    const stream = this.conn.request(headers, options);
    this.streams++;
    if (this.streams === 1) {
      this.holdProcess();
      clearTimeout(this.idleTimer);
      this.armPing();
    }
    stream.once("response", () => this.alive());
    stream.once("close", () => {
      this.streams--;
      if (this.streams > 0) return;
      if (!this.usable) {
        // Drained after a GOAWAY or a close: nothing will use it again.
        if (!this.conn.destroyed) this.conn.destroy();
        return;
      }
      this.holdProcess();
      this.armPing();
      this.armIdle();
    });
    return stream;
  }

  /** Response bytes read from one of this session's streams: it is alive. */
  responseByteRead(stream: http2.ClientHttp2Stream): void {
    if (stream.session === this.conn && this.streams > 0 && !this.conn.destroyed) this.alive();
  }

  /** Ends the session and its streams with `reason`. */
  destroy(reason?: Error): void {
    if (!this.conn.destroyed) this.conn.destroy(reason, reason === undefined ? http2.constants.NGHTTP2_NO_ERROR : http2.constants.NGHTTP2_CANCEL);
  }

  /** The session keeps the process alive while it has streams or a request waits on its PING, and only then. */
  private holdProcess(): void {
    if (this.conn.destroyed) return;
    if (this.streams > 0 || this.waiting > 0) this.conn.ref();
    else this.conn.unref();
  }

  private alive(): void {
    this.lastAliveAt = Date.now();
    this.armPing();
  }

  /**
   * Sends a PING, or joins the one in flight, and settles on every outcome:
   * true when it was answered in time; false otherwise, and no new stream
   * goes on this session. A PING not answered within the PING timeout ends
   * the session and its streams with Unavailable "PING timed out", as
   * connect-node says it: that is what keep-alive is for. A PING cancelled,
   * or one the session closed under, ends nothing more: the session is ending
   * on its own (a GOAWAY, a close), and its streams end as the server says.
   */
  private ping(): Promise<boolean> {
    if (this.conn.destroyed) return Promise.resolve(false);
    if (this.pinging !== undefined) return this.pinging;
    let resolve: (ok: boolean) => void = () => {};
    const pinging = new Promise<boolean>((r) => {
      resolve = r;
    });
    this.pinging = pinging;
    let timeout: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      this.conn.off("close", onClose);
      if (this.pinging === pinging) this.pinging = undefined;
      if (ok) this.lastAliveAt = Date.now();
      else this.retired = true;
      resolve(ok);
    };
    const timedOut = () => {
      this.destroy(new ConnectError("PING timed out", Code.Unavailable));
      settle(false);
    };
    const onClose = () => settle(false);
    this.conn.once("close", onClose);
    timeout = timer(timedOut, this.settings.pingTimeoutMs);
    try {
      this.conn.ping((err, duration) => {
        if (err === null && duration > this.settings.pingTimeoutMs) timedOut();
        else settle(err === null);
      });
    } catch {
      // Node throws for a PING on a session it has just destroyed (connect-es #1795): not alive, nothing to throw.
      settle(false);
    }
    return pinging;
  }

  /** (Re)starts the keep-alive PING timer: while streams are open, or always with pingIdleConnection. */
  private armPing(): void {
    clearTimeout(this.pingTimer);
    if (this.conn.destroyed || !(this.streams > 0 || this.settings.pingIdleConnection)) return;
    this.pingTimer = timer(() => {
      if (this.conn.destroyed) return;
      void this.ping().then((ok) => {
        if (ok) this.armPing();
      });
    }, this.settings.pingIntervalMs);
  }

  /** (Re)starts the idle timer of a session without streams. */
  private armIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = timer(() => {
      if (this.streams > 0) return;
      this.retired = true;
      this.conn.close();
    }, this.settings.idleConnectionTimeoutMs);
  }

  private stopTimers(): void {
    clearTimeout(this.pingTimer);
    clearTimeout(this.idleTimer);
  }
}
