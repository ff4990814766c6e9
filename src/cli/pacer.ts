import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * `--rate N`: one budget of N requests per second for the whole command,
 * shared by every RPC it sends (each page of each list, each bulk write, on
 * every scope, whatever --concurrency), evenly spaced so a server that allows
 * more than N in any window never answers "too many". It is a transport
 * interceptor: the library's own `rate` option paces one operation, and an
 * export or import is many operations (a list per user, a write per batch).
 * Interceptors passed to the transport run inside the library's, so each
 * attempt of a retried call takes its own slot.
 */
export interface CommandPacer {
  readonly interceptor: Interceptor;
  /** Requests that went through, and how often the server still said "too many". */
  readonly sent: number;
  readonly slowDowns: number;
}

/** After this long without a "too many", the pace climbs back by a tenth of the rate. */
const recoveryMs = 5_000;

export function createCommandPacer(rate: number): CommandPacer {
  let current = rate;
  let next = -Infinity;
  let quietSince = performance.now();
  let sent = 0;
  let slowDowns = 0;

  const take = async (signal: AbortSignal) => {
    const now = performance.now();
    if (current < rate && now - quietSince >= recoveryMs) {
      current = Math.min(rate, current + rate / 10);
      quietSince = now;
    }
    const slot = Math.max(now, next);
    next = slot + 1000 / current;
    if (slot > now) await sleep(slot - now, signal);
    signal.throwIfAborted();
  };

  const slowDown = (retryAfterMs: number) => {
    slowDowns++;
    current = Math.max(Math.min(rate, 1), current / 2);
    quietSince = performance.now();
    next = Math.max(next, quietSince + retryAfterMs);
  };

  const interceptor: Interceptor = (nextCall) => async (req) => {
    try {
      await take(req.signal);
    } catch (e) {
      throw ConnectError.from(e, Code.Canceled);
    }
    sent++;
    try {
      return await nextCall(req);
    } catch (e) {
      const err = ConnectError.from(e);
      const retryAfter = retryAfterMs(err);
      // A proxy's 429 reaches gRPC clients as Unavailable; its Retry-After says what it was.
      if (err.code === Code.ResourceExhausted || retryAfter !== undefined) slowDown(retryAfter ?? 0);
      throw e;
    }
  };

  return {
    interceptor,
    get sent() {
      return sent;
    },
    get slowDowns() {
      return slowDowns;
    },
  };
}

/** Retry-After in seconds (as proxies send it) or grpc-retry-pushback-ms, in milliseconds; capped at a minute. */
function retryAfterMs(err: ConnectError): number | undefined {
  const pushback = Number(err.metadata.get("grpc-retry-pushback-ms") ?? NaN);
  if (Number.isFinite(pushback) && pushback >= 0) return Math.min(pushback, 60_000);
  const seconds = Number(err.metadata.get("retry-after") ?? NaN);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 60_000);
  return undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
