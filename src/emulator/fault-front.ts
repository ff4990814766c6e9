import type { ConnectError } from "@connectrpc/connect";
import { Code, ConnectError as Err } from "@connectrpc/connect";
import type { FaultKind, Faults, FaultScope, RateLimit } from "./faults.js";
import { chooseFault, faultKinds, faultScope } from "./faults.js";
import { grpcStatusOf } from "./grpc-status.js";
import type { NodeRequest, NodeResponse } from "./node-http-types.js";
import type { Destination } from "./protocol-router.js";
import type { ConnectionControl } from "./server.js";

/** How many requests the faults have seen, and what they did to them. */
export type FaultCounts = {
  /**
   * Requests the faults were drawn for (n of the draw): every request to
   * the API's routes (gRPC, gRPC-web, Connect, REST, unknown paths too) that
   * the rate limit let through; not token or discovery requests, nor CORS preflights.
   */
  requests: number;
  /** Requests the rate limit answered with a proxy's HTTP 429 (Retry-After); no fault is drawn for them. */
  rateLimited: number;
} & Record<FaultKind, number>;

export function emptyFaultCounts(): FaultCounts {
  return { requests: 0, rateLimited: 0, ...(Object.fromEntries(faultKinds.map((k) => [k, 0])) as Record<FaultKind, number>) };
}

export interface FaultFrontOptions {
  faults: Faults;
  counts: FaultCounts;
  log?: (line: string) => void;
  /** The clock of the rate limit, in milliseconds. */
  now?: () => number;
}

/** Hands a request on to its handler; `scope` travels with it to the service wrapper (faults.ts). */
export type Next = (scope?: FaultScope) => void;

/**
 * What stands in front of the metadata API: the rate limit and the faults
 * drawn for each request (see {@link Faults}). Answers, delays or drops the
 * request itself, or calls `next` to hand it on.
 */
export function createFaultFront(options: FaultFrontOptions) {
  const { faults, counts, log } = options;
  const now = options.now ?? (() => performance.now());
  const limiter = new SlidingWindowLimiter();
  return (req: NodeRequest, res: NodeResponse, destination: Destination, connection: ConnectionControl, next: Next): void => {
    const rateLimit = faults.rateLimit;
    if (rateLimit !== undefined) {
      const waitMs = limiter.admit(budgetKey(req, rateLimit), rateLimit, now());
      if (waitMs !== undefined) {
        counts.rateLimited++;
        log?.(`${req.url?.slice(0, 200)} fault rateLimit: HTTP 429`);
        return edgeTooManyRequests(req, res, Math.max(1, Math.ceil(waitMs / 1000)));
      }
    }
    const n = ++counts.requests;
    const kind = chooseFault(faults, n);
    if (kind === undefined) return next();
    counts[kind]++;
    log?.(`${req.url?.slice(0, 200)} fault ${kind} (request ${n})`);
    switch (kind) {
      case "unavailable":
        return refuse(req, res, destination, new Err("service unavailable (a fault injected by the emulator)", Code.Unavailable), undefined);
      case "resourceExhausted":
        return refuse(
          req,
          res,
          destination,
          new Err("quota exceeded, retry later (a fault injected by the emulator)", Code.ResourceExhausted),
          faults.retryAfterSeconds,
        );
      case "edge429":
        return edgeTooManyRequests(req, res, faults.retryAfterSeconds);
      case "resetBefore":
        req.resume();
        return connection.reset();
      case "resetAfter":
        return next({ resetAfterHandler: () => connection.reset() });
      case "goaway":
        req.resume();
        return connection.refuseAndClose();
      case "slow": {
        const timer = setTimeout(() => {
          res.off("close", onClose);
          next();
        }, faults.slowMs);
        const onClose = () => clearTimeout(timer);
        res.once("close", onClose);
        return;
      }
      case "hang":
        // Read everything, answer nothing; the client gives up, or close() ends the connection.
        req.resume();
        return;
    }
  };
}

/** Whose budget a request spends: its bearer token's, or its IP's. */
function budgetKey(req: NodeRequest, rateLimit: RateLimit): string {
  if (rateLimit.by === "token") {
    const auth = req.headers.authorization;
    const value = Array.isArray(auth) ? auth[0] : auth;
    const at = value?.indexOf("Bearer ") ?? -1;
    if (value !== undefined && at >= 0) return `token ${value.slice(at + 7)}`;
  }
  return `ip ${req.socket?.remoteAddress ?? "?"}`;
}

/**
 * At most `requests` admitted per key in any `windowMs`: the times of the
 * admitted requests, per key, oldest first.
 */
class SlidingWindowLimiter {
  private readonly admitted = new Map<string, number[]>();
  private sweeps = 0;

  /** Admits the request (undefined) or says how many milliseconds until the window has room. */
  admit(key: string, limit: RateLimit, at: number): number | undefined {
    if (++this.sweeps % 1024 === 0) this.sweep(limit, at);
    let times = this.admitted.get(key);
    if (!times) this.admitted.set(key, (times = []));
    while (times.length > 0 && times[0]! <= at - limit.windowMs) times.shift();
    if (times.length >= limit.requests) return times[times.length - limit.requests]! + limit.windowMs - at;
    times.push(at);
    return undefined;
  }

  /** Forgets keys with nothing left in their window (many tokens, one request each). */
  private sweep(limit: RateLimit, at: number): void {
    for (const [key, times] of this.admitted) {
      if (times.length === 0 || times[times.length - 1]! <= at - limit.windowMs) this.admitted.delete(key);
    }
  }
}

/**
 * A proxy's HTTP 429, the same on every protocol: plain text, Retry-After,
 * none of ZITADEL's headers (no CORS, no grpc-status).
 */
function edgeTooManyRequests(req: NodeRequest, res: NodeResponse, retryAfterSeconds: number): void {
  req.resume();
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  if (!("stream" in res)) res.sendDate = false;
  const body = "429 Too Many Requests\n";
  res.writeHead(429, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    "retry-after": String(retryAfterSeconds),
  });
  res.end(body);
}

/** An error before the handler, as the protocol's server answers it, with Retry-After when given. */
function refuse(req: NodeRequest, res: NodeResponse, destination: Destination, err: ConnectError, retryAfterSeconds: number | undefined): void {
  req.resume();
  const retry: Record<string, string> = retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) };
  switch (destination.to) {
    case "grpc":
    case "grpc-unary": {
      // Trailers-only, as grpc-go answers an error before any message.
      const contentType = String(req.headers["content-type"] ?? "application/grpc")
        .split(";")[0]!
        .trim()
        .toLowerCase();
      const pushback: Record<string, string> = retryAfterSeconds === undefined ? {} : { "grpc-retry-pushback-ms": String(retryAfterSeconds * 1000) };
      const headers = { "content-type": contentType, ...grpcStatusOf(err), ...retry, ...pushback };
      if ("stream" in res) {
        if (res.stream.destroyed) return;
        res.stream.respond({ ...res.getHeaders(), ...headers, ":status": 200 }, { endStream: true });
        return;
      }
      res.writeHead(200, { ...headers, "content-length": "0" });
      res.end();
      return;
    }
    case "connect":
      return writeJsonError(
        res,
        httpStatusOf(err.code),
        { code: err.code === Code.Unavailable ? "unavailable" : "resource_exhausted", message: err.rawMessage },
        retry,
      );
    case "rest":
      return writeJsonError(res, httpStatusOf(err.code), { code: err.code, message: err.rawMessage }, retry);
  }
}

function httpStatusOf(code: Code): number {
  return code === Code.ResourceExhausted ? 429 : 503;
}

function writeJsonError(res: NodeResponse, status: number, body: object, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
  res.end(text);
}

/** Runs the handler inside the request's fault scope, so that the service wrapper sees it. */
export function withScope(scope: FaultScope | undefined, run: () => void): void {
  if (scope === undefined) run();
  else faultScope.run(scope, run);
}
