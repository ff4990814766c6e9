import { AsyncLocalStorage } from "node:async_hooks";
import { create, toBinary } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { messageLimitsOf } from "../zitadel/versions.js";
import { presentError } from "./error-presentation.js";
import type { Quirks } from "./quirks.js";

/**
 * A per-token (or per-IP) request budget like ZITADEL Cloud's: at most
 * `requests` admitted requests in any `windowMs` (a sliding window), counted
 * per bearer token (`by: "token"`, the default; requests without one count
 * per IP) or per client IP (`by: "ip"`, which is what Cloud does: on loopback
 * every client shares one IP). A request over the budget is answered at the
 * edge with HTTP 429 "Too Many Requests" in plain text and a `Retry-After`
 * (whole seconds until the window has room again), before any ZITADEL
 * handler, whatever the protocol; it does not count against the budget.
 * Cloud's limit is 50 requests per second per IP over a minute, i.e.
 * `{ requests: 3000, windowMs: 60_000, by: "ip" }`; `{ requests: 50,
 * windowMs: 1000 }` is the strict per-second reading.
 */
export interface RateLimit {
  /** Requests admitted per window, a whole number ≥ 1. */
  requests: number;
  /** The sliding window, in milliseconds (≥ 1). */
  windowMs: number;
  /** What a budget belongs to. Default "token". */
  by: "token" | "ip";
}

/** The faults drawn per request, in the order {@link chooseFault} lays them out on [0, 1). */
export const faultKinds = ["unavailable", "resourceExhausted", "edge429", "resetBefore", "resetAfter", "goaway", "slow", "hang"] as const;
/** One kind of injected fault. */
export type FaultKind = (typeof faultKinds)[number];

/**
 * Misbehaviour of the emulator, like a production ZITADEL behind load
 * balancers and proxies, for tests of deadlines, retries, rate limiting and
 * cancellation. Nothing is on by default. Given to `startEmulator({ faults })`
 * (every field optional) or as text through {@link parseFaults}; changed
 * while the emulator runs through `emulator.faults` (each field is checked
 * when set; a change applies to requests that arrive afterwards).
 *
 * What counts: every request that reaches the metadata API, over any
 * protocol (gRPC, gRPC-web, Connect, REST). Not counted and never faulted:
 * CORS preflights, /oauth/v2/token and /.well-known/openid-configuration.
 *
 * Which fault a request gets is a pure function of (`seed`, n), where n
 * counts the requests admitted by the rate limit since the emulator started
 * (1, 2, 3, …): a sequential client sees the same faults on every run. Each
 * request gets at most one fault: one number u in [0, 1) is drawn from
 * (seed, n) and the probabilities are laid out one after the other in the
 * order unavailable, resourceExhausted, edge429, resetBefore, resetAfter,
 * goaway, slow, hang; their sum must not exceed 1. `latencyMs` and the rate
 * limit apply on top of that draw.
 *
 * Faults that strike before the handler leave the store untouched; only
 * `resetAfter` (and `slow`, `latencyMs`, which just delay) lets the handler run.
 */
export interface Faults {
  /** Seed of the per-request draw, a whole number (any 32-bit value). Default 1. */
  seed: number;
  /**
   * Probability of Unavailable "the service is currently unavailable", before
   * the handler: gRPC/gRPC-web trailers-only status 14, Connect HTTP 503
   * code "unavailable", REST HTTP 503 {"code":14,…}.
   */
  unavailable: number;
  /**
   * Probability of ResourceExhausted "quota exceeded, retry later", before
   * the handler, with `Retry-After: <retryAfterSeconds>` on every protocol
   * and, on gRPC and gRPC-web, `grpc-retry-pushback-ms:
   * <retryAfterSeconds × 1000>` (gRPC's server pushback) beside grpc-status:
   * gRPC/gRPC-web status 8, Connect HTTP 429 "resource_exhausted", REST
   * HTTP 429 {"code":8,…}.
   */
  resourceExhausted: number;
  /** What `Retry-After` says on resourceExhausted and edge429, in whole seconds (≥ 0). Default 1. */
  retryAfterSeconds: number;
  /**
   * Probability of an HTTP 429 from a proxy in front of ZITADEL: plain text
   * "429 Too Many Requests", `Retry-After`, no CORS headers, and on gRPC no
   * grpc-status (a gRPC client maps it to Unavailable, as gRPC's HTTP-status
   * mapping says).
   */
  edge429: number;
  /** Probability of a TCP reset (RST) of the connection before the handler runs: nothing applied. On HTTP/2 every call on that connection loses its answer. */
  resetBefore: number;
  /**
   * Probability of a TCP reset of the connection after the handler ran,
   * whether it succeeded or failed: the change is applied, the answer lost.
   * On HTTP/2 every call on that connection loses its answer.
   */
  resetAfter: number;
  /**
   * Probability of a graceful shutdown of the connection, before the
   * handler. HTTP/2: GOAWAY (NO_ERROR) and this stream reset with
   * REFUSED_STREAM, which tells the client it was not processed; calls
   * already running on the connection finish, new ones need a new
   * connection. HTTP/1.1, which has no GOAWAY: the connection is closed
   * without an answer (FIN, not RST).
   */
  goaway: number;
  /** Probability of a delay of `slowMs` before the handler. */
  slow: number;
  /** The delay of a `slow` request, in milliseconds. Default 2000. */
  slowMs: number;
  /** Probability of a hang: the request is read and never answered, until the client gives up (or the emulator closes). */
  hang: number;
  /** Delay before every call is handled, in milliseconds (0 = none). */
  latencyMs: number;
  /** A request budget per token or IP; undefined (the default) for none. */
  rateLimit: RateLimit | undefined;
}

const probabilityFields = faultKinds;

/** The defaults: no faults. */
function noFaults(): Faults {
  return {
    seed: 1,
    unavailable: 0,
    resourceExhausted: 0,
    retryAfterSeconds: 1,
    edge429: 0,
    resetBefore: 0,
    resetAfter: 0,
    goaway: 0,
    slow: 0,
    slowMs: 2000,
    hang: 0,
    latencyMs: 0,
    rateLimit: undefined,
  };
}

/** The check of one field's value; returns the value to store or throws a TypeError naming the field. */
function checkField<K extends keyof Faults>(name: K, value: unknown, where: string): Faults[K] {
  const fail = (what: string): never => {
    throw new TypeError(`${where}: ${name} must be ${what} (got ${typeof value === "object" ? JSON.stringify(value) : String(value)}).`);
  };
  if (name === "rateLimit") {
    if (value === undefined) return undefined as Faults[K];
    if (typeof value !== "object" || value === null) return fail("an object { requests, windowMs, by? } or undefined");
    const { requests, windowMs, by = "token", ...rest } = value as Partial<RateLimit>;
    const extra = Object.keys(rest);
    if (extra.length > 0) fail(`{ requests, windowMs, by? } without ${extra.join(", ")}`);
    if (typeof requests !== "number" || !Number.isInteger(requests) || requests < 1) fail("{ requests: a whole number ≥ 1, … }");
    if (typeof windowMs !== "number" || !Number.isFinite(windowMs) || windowMs < 1) fail("{ windowMs: a number of milliseconds ≥ 1, … }");
    if (by !== "token" && by !== "ip") fail('{ by: "token" or "ip", … }');
    return { requests, windowMs, by } as Faults[K];
  }
  if (typeof value !== "number" || !Number.isFinite(value)) return fail("a finite number");
  if (name === "seed") {
    if (!Number.isInteger(value)) fail("a whole number");
    return value as Faults[K];
  }
  if ((probabilityFields as readonly string[]).includes(name)) {
    if (value < 0 || value > 1) fail("a probability between 0 and 1");
    return value as Faults[K];
  }
  if (name === "retryAfterSeconds") {
    if (!Number.isInteger(value) || value < 0) fail("a whole number of seconds ≥ 0");
    return value as Faults[K];
  }
  if (value < 0) fail("a number of milliseconds ≥ 0");
  return value as Faults[K];
}

function checkSum(faults: Faults, where: string): void {
  const sum = probabilityFields.reduce((total, kind) => total + faults[kind], 0);
  // A little slack for decimal fractions such as 0.1 + 0.2 + 0.7.
  if (sum > 1 + 1e-9) {
    throw new TypeError(
      `${where}: the fault probabilities add up to ${Number(sum.toFixed(6))}; each request gets at most one fault, so they must add up to at most 1.`,
    );
  }
}

/**
 * The faults with defaults filled in, as a live object: setting a field
 * checks it (and the sum of the probabilities) and throws a TypeError naming
 * it. Throws the same way for a bad or unknown field in `input`.
 */
export function resolveFaults(input: Partial<Faults> | undefined, where = 'startEmulator: option "faults"'): Faults {
  if (input !== undefined && (typeof input !== "object" || input === null)) {
    throw new TypeError(`${where} must be an object (or a string for parseFaults).`);
  }
  const values = noFaults();
  for (const [name, value] of Object.entries(input ?? {})) {
    if (!(name in values)) throw new TypeError(`${where}: unknown fault "${name}" (known: ${Object.keys(values).join(", ")}).`);
    if (value === undefined && name !== "rateLimit") continue;
    (values as unknown as Record<string, unknown>)[name] = checkField(name as keyof Faults, value, where);
  }
  checkSum(values, where);
  const live = {} as Faults;
  for (const name of Object.keys(values) as (keyof Faults)[]) {
    Object.defineProperty(live, name, {
      enumerable: true,
      get: () => values[name],
      set: (value: unknown) => {
        const checked = checkField(name, value, "emulator.faults");
        const next = { ...values, [name]: checked };
        checkSum(next, "emulator.faults");
        (values as unknown as Record<string, unknown>)[name] = checked;
      },
    });
  }
  return Object.seal(live);
}

/** A 32-bit hash of (seed, n): murmur3's finaliser over a mix of both. */
function mix(seed: number, n: number): number {
  let h = (seed ^ Math.imul(n, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  // Once more with n's high bits, so that n above 2^32 still varies.
  h = Math.imul(h ^ Math.floor(n / 2 ** 32), 0x27d4eb2f);
  h ^= h >>> 15;
  return h >>> 0;
}

/**
 * The fault of the nth request (n = 1, 2, …) under these probabilities, or
 * undefined for none: a pure function of (seed, n) and the probabilities.
 */
export function chooseFault(faults: Pick<Faults, "seed" | FaultKind>, n: number): FaultKind | undefined {
  const u = mix(faults.seed | 0, n) / 2 ** 32;
  let edge = 0;
  for (const kind of faultKinds) {
    edge += faults[kind];
    if (u < edge) return kind;
  }
  return undefined;
}

/** The names in {@link parseFaults}' text, by field. */
const textNames: Record<string, keyof Faults | "rateLimitBy"> = {
  seed: "seed",
  unavailable: "unavailable",
  "resource-exhausted": "resourceExhausted",
  "retry-after": "retryAfterSeconds",
  "edge-429": "edge429",
  "reset-before": "resetBefore",
  "reset-after": "resetAfter",
  goaway: "goaway",
  slow: "slow",
  "slow-ms": "slowMs",
  hang: "hang",
  "latency-ms": "latencyMs",
  "rate-limit": "rateLimit",
  "rate-limit-by": "rateLimitBy",
};

/**
 * Reads faults written as text, e.g. for a CLI flag:
 * `"unavailable=0.05,reset-after=0.02,seed=7"`. Comma-separated
 * `name=value` pairs (spaces around them ignored, later pairs win):
 * `seed`, the probabilities `unavailable`, `resource-exhausted`, `edge-429`,
 * `reset-before`, `reset-after`, `goaway`, `slow`, `hang` (a number from 0
 * to 1, or a percentage such as `5%`), `retry-after` (seconds),
 * `slow-ms`, `latency-ms` (milliseconds), `rate-limit=<requests>/<window>`
 * with the window as `500ms`, `1s` or `1m` (e.g. `rate-limit=50/1s`,
 * Cloud's `rate-limit=3000/1m`), `rate-limit-by=token|ip`, and `none`
 * (no faults). The empty text means no faults. Throws a TypeError naming
 * the part it cannot read.
 */
export function parseFaults(text: string): Partial<Faults> {
  if (typeof text !== "string") throw new TypeError('parseFaults: expected a string such as "unavailable=0.05,seed=7".');
  const out: Record<string, unknown> = {};
  let rateLimitBy: string | undefined;
  let rate: { requests: number; windowMs: number } | undefined;
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  for (const part of parts) {
    const bad = (why: string): never => {
      throw new TypeError(`parseFaults: "${part.slice(0, 80)}": ${why}`);
    };
    if (part === "none") continue;
    const eq = part.indexOf("=");
    if (eq < 0) bad("expected name=value");
    const name = part.slice(0, eq).trim().toLowerCase();
    const raw = part.slice(eq + 1).trim();
    const field = textNames[name];
    if (field === undefined) bad(`unknown fault name (known: ${Object.keys(textNames).join(", ")}, none)`);
    if (raw === "") bad("the value is missing");
    if (field === "rateLimitBy") {
      if (raw !== "token" && raw !== "ip") bad('expected "token" or "ip"');
      rateLimitBy = raw;
      continue;
    }
    if (field === "rateLimit") {
      const m = /^(\d+)\s*\/\s*(\d+(?:\.\d+)?)?\s*(ms|s|m)$/.exec(raw);
      if (!m) bad("expected <requests>/<window>, e.g. 50/1s, 3000/1m or 10/500ms");
      const requests = Number(m![1]);
      const windowMs = Number(m![2] ?? "1") * { ms: 1, s: 1000, m: 60_000 }[m![3] as "ms" | "s" | "m"];
      if (requests < 1) bad("the number of requests must be at least 1");
      if (!(windowMs >= 1)) bad("the window must be at least 1 ms");
      rate = { requests, windowMs };
      continue;
    }
    const isProbability = (faultKinds as readonly string[]).includes(field!);
    let value: number;
    if (isProbability && raw.endsWith("%")) {
      value = Number(raw.slice(0, -1)) / 100;
    } else {
      value = Number(raw);
    }
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?%?$/i.test(raw) || !Number.isFinite(value)) bad("the value is not a number");
    try {
      out[field!] = checkField(field as keyof Faults, value, "parseFaults");
    } catch (e) {
      bad((e as Error).message.replace(/^parseFaults: /, ""));
    }
  }
  if (rateLimitBy !== undefined && rate === undefined) {
    throw new TypeError(`parseFaults: "rate-limit-by=${rateLimitBy}" needs a rate-limit=<requests>/<window> beside it.`);
  }
  if (rate !== undefined) out.rateLimit = { ...rate, by: rateLimitBy ?? "token" };
  const faults = out as Partial<Faults>;
  resolveFaults(faults, "parseFaults"); // the sum of the probabilities
  return faults;
}

/** What the HTTP front tells the service wrapper about the request being handled. */
export interface FaultScope {
  /** Set when the connection is to be reset once the handler has run. */
  resetAfterHandler?: () => void;
}

/** The request's fault scope, set by the HTTP front around each handler (async_hooks carries it into the handler's promises). */
export const faultScope = new AsyncLocalStorage<FaultScope>();

type AnyImpl = (req: unknown, ctx: HandlerContext) => unknown;

export interface Instrumentation {
  faults: Faults;
  quirks: Quirks;
  log?: (line: string) => void;
}

/**
 * Wraps every method of the services with the message size limits, the
 * faults that need the handler (latencyMs, resetAfter), the error quirks and
 * a log line per call, so that every protocol behaves alike. The limits are
 * on the binary message, as behind ZITADEL's gateway, not on a JSON body.
 */
export function instrumentServices<S extends { [K in keyof S]: object }>(services: S, { faults, quirks, log }: Instrumentation): S {
  const wrap = <T extends object>(impl: T): T => {
    const wrapped: Record<string, AnyImpl> = {};
    for (const [name, fn] of Object.entries(impl) as [string, AnyImpl][]) {
      wrapped[name] = async (req, ctx) => {
        const started = performance.now();
        const ms = () => `${(performance.now() - started).toFixed(1)}ms`;
        const scope = faultScope.getStore();
        let outcome: { ok: true; res: unknown } | { ok: false; error: unknown };
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
          outcome = { ok: true, res };
        } catch (e) {
          const err = ConnectError.from(e);
          log?.(`${ctx.method.name} ${ctx.protocolName} ${Code[err.code]} ${err.rawMessage} ${ms()}`);
          outcome = { ok: false, error: e };
        }
        if (scope?.resetAfterHandler) {
          log?.(`${ctx.method.name} ${ctx.protocolName} fault resetAfter: the connection is reset, the answer lost`);
          scope.resetAfterHandler();
          // The answer is lost: settle only when the call's signal ends (the client is gone).
          return new Promise<never>((_resolve, reject) => {
            if (ctx.signal.aborted) reject(ctx.signal.reason);
            else ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
          });
        }
        if (outcome.ok) return outcome.res;
        throw outcome.error;
      };
    }
    return wrapped as T;
  };
  return Object.fromEntries((Object.entries(services) as [string, object][]).map(([name, impl]) => [name, wrap(impl)])) as S;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
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
