// The HTTP/2 session manager under every Node transport over HTTP/2 (unless
// the caller brings a sessionManager): connect-node's Http2SessionManager,
// behind a guard that keeps the process alive when a session dies.
//
// Why (connect-es #1795): connect-node's keep-alive arms a PING timer per
// session. A session destroyed by a GOAWAY, a reset, an idle close or an abort
// is marked destroyed at once, but connect-node stops the timer only when the
// session's "close" or "error" event arrives, a tick or more later. If the
// timer fires in between, it calls session.ping(), which Node throws from
// (ERR_HTTP2_INVALID_SESSION) instead of calling back: an uncaught exception
// from a timer, which ends the process. test/process-safety.spec.ts shows it
// with connect-node's own manager and a server's GOAWAY.
//
// The guard uses only public contracts: the session manager interface
// connect-node's transports take (`sessionManager`), and the session of each
// stream a request returns (`stream.session`, Node's API). Before the manager
// can arm a timer on a session, some request has opened a stream on it, and
// that request's stream passes through here first (connect-node starts the
// timer with the first stream; the timer callback runs on a later turn of the
// event loop than the request). On each session seen this way:
//
// - `ping` answers a destroyed session through its callback with an error
//   (as Node does for a ping cancelled by the session's end) rather than by
//   throwing; a session that is closing but not destroyed, e.g. one draining
//   its streams after a graceful GOAWAY, still pings: its keep-alive is what
//   notices a dead peer under those streams;
// - an "error" listener that ignores the event, so that an error a closing
//   session raises after the manager stopped listening (connect-node removes
//   its listeners when it leaves a session) is not thrown; the session's
//   streams, and so the calls, get their own errors.
//
// connect-node's later versions may fix #1795 themselves; the guard then
// finds nothing to refuse. Node only: never import this from the browser entry.
import type * as http2 from "node:http2";
import type { GrpcTransportOptions, Http2SessionOptions } from "@connectrpc/connect-node";
import { Http2SessionManager } from "@connectrpc/connect-node";

/** The session manager interface connect-node's HTTP/2 transports take (connect-node does not export its name). */
export type NodeHttp2ClientSessionManager = NonNullable<GrpcTransportOptions["sessionManager"]>;

/** What a refused ping's callback gets: the error Node throws for a ping on a destroyed session. */
export class SessionDestroyedError extends Error {
  readonly code = "ERR_HTTP2_INVALID_SESSION";
  constructor() {
    super("The session has been destroyed; PING not sent");
    this.name = "SessionDestroyedError";
  }
}

type PingArgs = [callback: PingCallback] | [payload: NodeJS.ArrayBufferView, callback: PingCallback];
type PingCallback = (err: Error | null, duration: number, payload: Buffer) => void;

/**
 * A session manager for connect-node's transports whose sessions cannot throw
 * from their keep-alive timers (see the top of this file). Wraps connect-
 * node's Http2SessionManager, or any manager given (e.g. a caller's own,
 * as `sessionManager: new SafeHttp2SessionManager(new Http2SessionManager(url, pings))`).
 */
export class SafeHttp2SessionManager implements NodeHttp2ClientSessionManager {
  private readonly inner: NodeHttp2ClientSessionManager;
  private readonly guarded = new WeakSet<http2.ClientHttp2Session>();
  private refused = 0;

  constructor(inner: NodeHttp2ClientSessionManager) {
    this.inner = inner;
  }

  get authority(): string {
    return this.inner.authority;
  }

  /** How many pings were refused because their session had been destroyed. */
  get refusedPings(): number {
    return this.refused;
  }

  async request(
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    options: Omit<http2.ClientSessionRequestOptions, "signal">,
  ): Promise<http2.ClientHttp2Stream> {
    const stream = await this.inner.request(method, path, headers, options);
    // `session` is undefined once the stream is destroyed; its session then had its chance with an earlier stream or has none.
    const session = stream.session as http2.ClientHttp2Session | undefined;
    if (session !== undefined) this.guard(session);
    return stream;
  }

  notifyResponseByteRead(stream: http2.ClientHttp2Stream): void {
    this.inner.notifyResponseByteRead(stream);
  }

  /** Closes the connection, if the manager under the guard can (connect-node's can). */
  abort(reason?: Error): void {
    const abort: unknown = Reflect.get(this.inner, "abort");
    if (typeof abort === "function") Reflect.apply(abort, this.inner, [reason]);
  }

  private guard(session: http2.ClientHttp2Session): void {
    if (this.guarded.has(session)) return;
    this.guarded.add(session);
    const ping = session.ping;
    const onRefused = () => this.refused++;
    const guardedPing = (...args: PingArgs): boolean => {
      const callback = args[args.length - 1] as PingCallback;
      if (session.destroyed) {
        onRefused();
        process.nextTick(callback, new SessionDestroyedError(), 0, Buffer.alloc(8));
        return false;
      }
      try {
        return Reflect.apply(ping, session, args) as boolean;
      } catch (e) {
        // Only the session's end is forgiven; any other throw is a bug to see.
        if (!session.destroyed && !session.closed) throw e;
        onRefused();
        process.nextTick(callback, e instanceof Error ? e : new SessionDestroyedError(), 0, Buffer.alloc(8));
        return false;
      }
    };
    Object.defineProperty(session, "ping", { value: guardedPing, configurable: true, writable: true, enumerable: false });
    session.on("error", ignore);
  }
}

function ignore(): void {}

/** The connection options of an HTTP/2 transport that configure its session manager. */
export interface Http2ConnectionOptions extends Http2SessionOptions {
  sessionManager?: NodeHttp2ClientSessionManager;
  nodeOptions?: http2.ClientSessionOptions | http2.SecureClientSessionOptions;
}

/**
 * A guarded session manager for an HTTP/2 transport to `baseUrl`: connect-
 * node's Http2SessionManager, made as connect-node would make it from the
 * ping and idle settings and `nodeOptions`, behind the guard.
 */
export function safeSessionManager(baseUrl: string, options: Omit<Http2ConnectionOptions, "sessionManager">): SafeHttp2SessionManager {
  const { pingIntervalMs, pingIdleConnection, pingTimeoutMs, idleConnectionTimeoutMs, nodeOptions } = options;
  return new SafeHttp2SessionManager(
    new Http2SessionManager(baseUrl, { pingIntervalMs, pingIdleConnection, pingTimeoutMs, idleConnectionTimeoutMs }, nodeOptions),
  );
}
