import type { Interceptor } from "@connectrpc/connect";

/**
 * Misbehaviour a test can switch on at run time to exercise client
 * deadlines and cancellation. Changes apply to calls that start afterwards.
 */
export interface Faults {
  /** Delay before each RPC is handled, in milliseconds (0 = none). */
  latencyMs: number;
}

export function faultInterceptor(faults: Faults): Interceptor {
  return (next) => async (req) => {
    if (faults.latencyMs > 0) await sleep(faults.latencyMs, req.signal);
    return next(req);
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
