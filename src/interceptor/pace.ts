import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Pacer } from "../core/pacer.js";
import { isTooMany, serverDelayMs } from "./server-hints.js";

/**
 * Paces every call through a transport with one pacer: each attempt waits
 * for a slot, and a "too many" answer (HTTP 429, ResourceExhausted) slows
 * the pacer down, honouring Retry-After or grpc-retry-pushback-ms. For one
 * budget across many operations (a CLI command, a nightly job):
 *
 * ```ts
 * const pacer = createPacer(45);
 * const transport = createZitadelTransport({ …, interceptors: [createPacingInterceptor(pacer)] });
 * ```
 *
 * Interceptors given to the transport run inside its retry interceptor, so
 * a retried call takes a slot per attempt. (The `rate` option of setMany,
 * removeMany, apply and list paces one operation instead.)
 */
export function createPacingInterceptor(pacer: Pacer): Interceptor {
  return (next) => async (req) => {
    try {
      await pacer.take(req.signal);
    } catch (e) {
      throw ConnectError.from(e, Code.Canceled);
    }
    try {
      return await next(req);
    } catch (e) {
      const error = ConnectError.from(e);
      if (isTooMany(error)) {
        const hint = serverDelayMs(error);
        pacer.slowDown(typeof hint === "number" ? hint : 0);
      }
      throw e;
    }
  };
}
