import { create, toBinary } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { messageLimitsOf } from "../zitadel/versions.js";
import { presentError } from "./error-presentation.js";
import type { Quirks } from "./quirks.js";

/**
 * Misbehaviour a test can switch on at run time to exercise client
 * deadlines and cancellation. Changes apply to calls that start afterwards.
 */
export interface Faults {
  /** Delay before each RPC is handled, in milliseconds (0 = none). */
  latencyMs: number;
}

type AnyImpl = (req: unknown, ctx: HandlerContext) => unknown;


export interface Instrumentation {
  faults: Faults;
  quirks: Quirks;
  log?: (line: string) => void;
}

/**
 * Wraps every method of the services with the message size limits, the
 * faults, the error quirks and a log line per call, so that every protocol
 * behaves alike. The limits are on the binary message, as behind ZITADEL's
 * gateway, not on a JSON body.
 */
export function instrumentServices<S extends { [K in keyof S]: object }>(services: S, { faults, quirks, log }: Instrumentation): S {
  const wrap = <T extends object>(impl: T): T => {
    const wrapped: Record<string, AnyImpl> = {};
    for (const [name, fn] of Object.entries(impl) as [string, AnyImpl][]) {
      wrapped[name] = async (req, ctx) => {
        const started = performance.now();
        const ms = () => `${(performance.now() - started).toFixed(1)}ms`;
        try {
          // v1's grpc-go limits; v2's connect-go handlers have none.
          const limits = messageLimitsOf(ctx.service.typeName);
          const size = limits === undefined ? 0 : toBinary(ctx.method.input, req as never).length;
          if (limits !== undefined && size > limits.maxRequestBytes) {
            throw new ConnectError(`grpc: received message larger than max (${size} vs. ${limits.maxRequestBytes})`, Code.ResourceExhausted);
          }
          if (faults.latencyMs > 0) await sleep(faults.latencyMs, ctx.signal);
          let res: unknown;
          try {
            res = await fn(req, ctx);
          } catch (e) {
            throw presentError(e, quirks);
          }
          res = create(ctx.method.output, res as never);
          const sent = limits === undefined ? 0 : toBinary(ctx.method.output, res as never).length;
          if (limits !== undefined && sent > limits.maxResponseBytes) {
            throw new ConnectError(`grpc: trying to send message larger than max (${sent} vs. ${limits.maxResponseBytes})`, Code.ResourceExhausted);
          }
          log?.(`${ctx.method.name} ${ctx.protocolName} ok ${ms()}`);
          return res;
        } catch (e) {
          const err = ConnectError.from(e);
          log?.(`${ctx.method.name} ${ctx.protocolName} ${Code[err.code]} ${err.rawMessage} ${ms()}`);
          throw e;
        }
      };
    }
    return wrapped as T;
  };
  return Object.fromEntries((Object.entries(services) as [string, object][]).map(([name, impl]) => [name, wrap(impl)])) as S;
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
