// Retries as an interceptor: full-jitter exponential backoff for failures
// that say "try again" (Unavailable, ResourceExhausted, HTTP 429/502/503/504,
// connection resets), only for RPCs that ZITADEL's semantics make safe to
// repeat, within the call's deadline and AbortSignal. Browser-safe.
import { create } from "@bufbuild/protobuf";
import type { Interceptor, UnaryRequest, UnaryResponse } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { callDeadlineKey, maxTimerMs, sleep, timerSignal } from "../core/deadline.js";
import { pacerKey } from "../core/pacer.js";
import { isTooMany, serverDelayMs } from "./server-hints.js";
import { ZitadelConfigError } from "../core/config-error.js";
import { getErrorDetail, httpStatusKey, tokenFailureKey } from "../zitadel/errors.js";
import { goneIdsOf, isSafeToRetry } from "../zitadel/versions.js";
import { isPermanentConnectionFailure } from "./connection-failure.js";

/** The defaults of the `retry` option. */
export const retryDefaults = Object.freeze({
  /** Attempts in all, the first included: 4 (three retries). */
  maxAttempts: 4,
  /** The backoff cap of the first retry: 100 ms, doubled per retry. */
  initialBackoffMs: 100,
  /** The largest backoff cap: 5000 ms. */
  maxBackoffMs: 5_000,
  /** How long one attempt may wait for its answer before it is abandoned and retried: 10000 ms (10 s). */
  attemptTimeoutMs: 10_000,
});

/** What `onRetry` is told before each retry. */
export interface RetryEvent {
  /** The attempt about to start: 2 for the first retry. */
  attempt: number;
  /** How long it waits before that attempt, in milliseconds. */
  delayMs: number;
  /** Why the previous attempt failed (a bearer token the call sent is redacted from it). */
  error: ConnectError;
  /** The RPC, e.g. "zitadel.management.v1.ManagementService/GetUserMetadata". */
  rpc: string;
}

/** What `onOutcome` is told once a call that was retried ends. */
export interface RetryOutcome {
  /** The RPC, e.g. "zitadel.management.v1.ManagementService/RemoveUserMetadata". */
  rpc: string;
  /** How many attempts were made (at least 2). */
  attempts: number;
  /**
   * "succeeded": an attempt succeeded. "already-applied": a retried remove
   * (with `removes: true`) found its keys gone, which an earlier attempt
   * whose answer was lost did; it counts as success. "failed": the call
   * failed with `error`.
   */
  result: "succeeded" | "already-applied" | "failed";
  /**
   * Why the last attempt failed (a bearer token the call sent is redacted
   * from it): for "failed" the error the call fails with (unless its
   * deadline or AbortSignal ended the wait for another attempt, which it
   * then fails with); for "already-applied" the "not found" that counted as
   * success; undefined for "succeeded".
   */
  error?: ConnectError;
}

/** The `retry` option: how calls that fail with a transient error are repeated. */
export interface RetryOptions {
  /** Attempts in all, the first included; 1 turns retries off. Default 4. */
  maxAttempts?: number;
  /** The backoff cap of the first retry, in milliseconds; it doubles per retry. Default 100. */
  initialBackoffMs?: number;
  /** The largest backoff cap, in milliseconds. Default 5000. */
  maxBackoffMs?: number;
  /**
   * How long one attempt may wait for its answer before it is abandoned and
   * retried, in milliseconds; 0 for no limit (each attempt may then use the
   * whole deadline). Default 10000 (10 s): under the default 30 s deadline a
   * server that hangs on one request still leaves room for two more attempts.
   *
   * Only that attempt is aborted, not the call. An abandoned attempt is a
   * transient failure that may have been applied (the server may have run it
   * and lost the answer): it is retried for RPCs that are safe to repeat,
   * and for removes only with `removes: true` (where a later "not found"
   * counts as success, as for a lost answer). The limit is not applied where
   * no retry could follow: to the last attempt (`maxAttempts`), to RPCs that
   * are not retried, and when the call's deadline comes first. The call's
   * deadline and AbortSignal still bound all attempts together. If every
   * attempt is abandoned, the call fails with DeadlineExceeded saying so.
   */
  attemptTimeoutMs?: number;
  /**
   * Retry removes too (v1 Remove/BulkRemove, v2 Delete). Default false: a
   * remove whose first attempt was applied but whose answer was lost fails
   * as "not found" when repeated. With true, such a repeat (META-ncnw3,
   * META-mcnw3, META-2nnds, META-2npds after an attempt that may have been
   * applied) counts as success; note that a key that never existed then
   * counts as removed too.
   */
  removes?: boolean;
  /** Called before each retry, e.g. to log it. */
  onRetry?: (event: RetryEvent) => void;
  /** Called when a call that was retried at least once ends. */
  onOutcome?: (outcome: RetryOutcome) => void;
  /** The random numbers in [0, 1) for the jitter; default Math.random (tests pass their own). */
  random?: () => number;
}

const retryOptionKeys = new Set<string>(["maxAttempts", "initialBackoffMs", "maxBackoffMs", "attemptTimeoutMs", "removes", "onRetry", "onOutcome", "random"]);

/** The header on a response a retried remove made up because its keys were already gone. */
export const alreadyAppliedHeader = "zitadel-metadata-retry";

const alreadyAppliedResponses = new WeakSet<object>();

/**
 * True for the response message of a remove that was retried (with
 * `retry: { removes: true }`) and found its keys already gone: ZITADEL
 * removed them on an earlier attempt whose answer was lost. Such a message
 * has no details (no sequence or change date); nothing else sets it.
 */
export function wasAlreadyApplied(response: unknown): boolean {
  return typeof response === "object" && response !== null && alreadyAppliedResponses.has(response);
}

/**
 * Checks the `retry` option (`false`, or an object of RetryOptions) and
 * returns it complete, or undefined for false.
 */
export function checkRetryOptions(value: unknown, entry?: string): (Required<Omit<RetryOptions, "onRetry" | "onOutcome">> & RetryOptions) | undefined {
  const fail = (problem: string) => new ZitadelConfigError({ code: "ERR_INVALID_OPTION", option: "retry", entry, problem: `option "retry" ${problem}` });
  if (value === false) return undefined;
  if (value === undefined) value = {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw fail("must be false or an object such as { maxAttempts: 4, initialBackoffMs: 100, maxBackoffMs: 5000 }.");
  }
  for (const key of Object.keys(value)) {
    if (!retryOptionKeys.has(key)) throw fail(`has no setting ${JSON.stringify(key)}; it takes ${[...retryOptionKeys].join(", ")}.`);
  }
  const o = value as RetryOptions;
  const whole = (name: keyof typeof retryDefaults, min: number, max: number): number => {
    const v = o[name] ?? retryDefaults[name];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
      throw fail(`"${name}" must be a whole number from ${min} to ${max}, got ${String(v)}.`);
    return v;
  };
  const maxAttempts = whole("maxAttempts", 1, 100);
  const initialBackoffMs = whole("initialBackoffMs", 0, maxTimerMs);
  const maxBackoffMs = whole("maxBackoffMs", 0, maxTimerMs);
  if (maxBackoffMs < initialBackoffMs) throw fail(`"maxBackoffMs" (${maxBackoffMs}) must not be less than "initialBackoffMs" (${initialBackoffMs}).`);
  const attemptTimeoutMs = whole("attemptTimeoutMs", 0, maxTimerMs);
  if (o.removes !== undefined && typeof o.removes !== "boolean") throw fail('"removes" must be true or false.');
  for (const name of ["onRetry", "onOutcome", "random"] as const) {
    if (o[name] !== undefined && typeof o[name] !== "function") throw fail(`"${name}" must be a function.`);
  }
  return { ...o, maxAttempts, initialBackoffMs, maxBackoffMs, attemptTimeoutMs, removes: o.removes ?? false, random: o.random ?? Math.random };
}

/**
 * An interceptor that repeats unary calls that failed transiently. Our
 * transports put it in front of the ZITADEL interceptor (so each attempt
 * gets a valid token, and the errors it sees have the token redacted);
 * on a transport of your own, put it first too.
 *
 * What is retried: Unavailable, ResourceExhausted (not the local size
 * limits), HTTP 429, 502, 503 and 504 (REST; gRPC maps them to Unavailable)
 * and connection resets; never InvalidArgument, PermissionDenied, NotFound,
 * FailedPrecondition or Unauthenticated. Which RPCs: those ZITADEL's
 * semantics make safe to repeat (reads, v1 Set/BulkSet, v2 Set), removes
 * only with `removes: true`; any RPC when the failed attempt was never sent
 * (no token could be had, the connection was refused).
 *
 * The wait before retry n is a random time up to
 * min(maxBackoffMs, initialBackoffMs * 2^(n-1)), or what the server asked
 * for (Retry-After in seconds or as an HTTP date, grpc-retry-pushback-ms);
 * a negative or malformed pushback means "do not retry". The call's
 * deadline and AbortSignal bound all attempts together: the wait is
 * abortable, and a retry that could not start before the deadline is not
 * made (the call fails with the last error). An attempt that gets no answer
 * within `attemptTimeoutMs` (10 s by default) is abandoned and retried like
 * a lost answer, so one hung request does not use up the whole deadline.
 */
export function createRetryInterceptor(options: RetryOptions = {}): Interceptor {
  const settings = checkRetryOptions(options, "createRetryInterceptor");
  if (settings === undefined) return (next) => next;
  const { maxAttempts, initialBackoffMs, maxBackoffMs, attemptTimeoutMs, removes, random, onRetry, onOutcome } = settings;
  return (next) => async (req) => {
    if (req.stream || maxAttempts === 1) return next(req);
    const rpc = `${req.service.typeName}/${req.method.name}`;
    const safe = isSafeToRetry(req.service.typeName, req.method.name);
    const goneIds = goneIdsOf(req.service.typeName, req.method.name);
    const remove = goneIds.length > 0;
    const retriable = safe || (remove && removes);
    const deadline = req.contextValues.get(callDeadlineKey);
    let mayHaveBeenApplied = false;
    // A paced bulk operation: its retries take slots too, and "too many" slows it down.
    const pacer = req.contextValues.get(pacerKey);
    for (let attempt = 1; ; attempt++) {
      if (deadline !== undefined) deadline.attempts = attempt;
      let error: ConnectError;
      let abandoned = false;
      let attemptTimer: ReturnType<typeof timerSignal> | undefined;
      try {
        if (attempt > 1) await pacer?.take(req.signal);
        // A limit of its own for this attempt, where a retry could follow it and the deadline is further away.
        const left = deadline?.at === undefined ? Number.POSITIVE_INFINITY : deadline.at - Date.now();
        if (attemptTimeoutMs > 0 && attempt < maxAttempts && retriable && attemptTimeoutMs < left) {
          attemptTimer = timerSignal(
            attemptTimeoutMs,
            () => {
              abandoned = true;
              return attemptAbandoned(rpc, attempt, attemptTimeoutMs);
            },
            req.signal,
          );
        }
        // Each attempt that a retry may follow runs on a signal of its own, aborted once it failed: a
        // transport that gave up on an answer (an HTTP 429 over gRPC, say) may have left its HTTP/2
        // stream open, and that stream would keep its session, and the process, alive.
        const own = attemptTimer ?? (attempt < maxAttempts ? timerSignal(maxTimerMs, () => undefined, req.signal) : undefined);
        attemptTimer = own;
        const response = await next(own === undefined ? req : { ...req, signal: own.signal });
        if (attempt > 1) onOutcome?.({ rpc, attempts: attempt, result: "succeeded" });
        return response;
      } catch (e) {
        // An attempt we abandoned fails with our own error, whatever the transport made of the abort.
        error = abandoned && !req.signal.aborted ? attemptAbandoned(rpc, attempt, attemptTimeoutMs, e) : ConnectError.from(e);
        attemptTimer?.abort();
      } finally {
        attemptTimer?.clear();
      }
      const ended = (result: RetryOutcome["result"] = "failed") => {
        if (attempt > 1) onOutcome?.({ rpc, attempts: attempt, result, error });
        return error;
      };
      if (attempt > 1 && remove && removes && mayHaveBeenApplied && isGone(error, goneIds)) {
        ended("already-applied");
        return alreadyApplied(req);
      }
      // "Too many requests" is refused before any handler runs: nothing was applied, whatever the RPC.
      const notSent = wasNotSent(error) || isTooMany(error);
      if (!notSent) mayHaveBeenApplied = true;
      if (req.signal.aborted || attempt >= maxAttempts) throw ended();
      if (!notSent && !safe && !(remove && removes)) throw ended();
      const hint = serverDelayMs(error);
      if (hint === "never" || !(abandoned || isTransient(error))) throw ended();
      if (isTooMany(error)) pacer?.slowDown(hint);
      const cap = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempt - 1));
      const delayMs = hint ?? Math.floor(random() * cap);
      // Not worth waiting for an attempt that could not start before the deadline.
      if (deadline?.at !== undefined && Date.now() + delayMs >= deadline.at) throw ended();
      onRetry?.({ attempt: attempt + 1, delayMs, error, rpc });
      try {
        await sleep(delayMs, req.signal);
      } catch (reason) {
        // Aborted or out of time while waiting: that is the call's outcome (runUnaryCall reports the signal's reason).
        ended();
        throw reason;
      }
      refreshTimeoutHeaders(req, deadline?.at);
    }
  };
}

/** The error of an attempt that got no answer within attemptTimeoutMs (transient; it may have been applied). */
function attemptAbandoned(rpc: string, attempt: number, ms: number, cause?: unknown): ConnectError {
  return new ConnectError(
    `${rpc}: attempt ${attempt} got no answer within ${ms} ms (retry option "attemptTimeoutMs") and was abandoned`,
    Code.DeadlineExceeded,
    undefined,
    undefined,
    cause,
  );
}

/** The codes that are never retried, whatever else the error says. */
const neverRetried = new Set<Code>([Code.InvalidArgument, Code.PermissionDenied, Code.NotFound, Code.FailedPrecondition, Code.Unauthenticated]);

/** HTTP statuses that say "try again" (a proxy's or the gateway's). */
const transientHttpStatuses = new Set([429, 502, 503, 504]);

/** Node and undici error codes of a connection that broke under the call. */
const resetCodes = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_INVALID_SESSION",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/** Whether the failure says "try again later". */
export function isTransient(error: ConnectError): boolean {
  if (neverRetried.has(error.code)) return false;
  const status = (error as unknown as Record<symbol, unknown>)[httpStatusKey];
  if (typeof status === "number" && transientHttpStatuses.has(status)) return true;
  // A certificate Node does not trust, TLS to a plain port, a name that does not resolve: a mistake in the
  // configuration, the same on every attempt (ECONNREFUSED is retried: a restarting server refuses for a moment).
  if (isPermanentConnectionFailure(error)) return false;
  if (error.code === Code.Unavailable) return true;
  // Our own size limits (readMaxBytes, writeMaxBytes) fail the same way every time.
  if (error.code === Code.ResourceExhausted) return !/MaxBytes/.test(error.rawMessage);
  // connect-node's word for an HTTP/2 stream the peer's closing session took down (the call's own
  // abort never gets here: the interceptor stops once the call's signal has aborted).
  if (error.code === Code.Canceled && /^http\/2 stream closed with error code CANCEL\b/.test(error.rawMessage)) return true;
  // connect-node's word for a gRPC answer cut off before its status (the connection broke after the
  // headers): the answer was lost, as in a reset.
  if (error.code === Code.Internal && /^protocol error: missing (status|trailer)\b/.test(error.rawMessage)) return true;
  return causeCodes(error).some((code) => resetCodes.has(code));
}

/** Whether the attempt failed before its request reached the server: no token, or the connection refused. */
function wasNotSent(error: ConnectError): boolean {
  if ((error as unknown as Record<symbol, unknown>)[tokenFailureKey] === true) return true;
  // A stream the server refused (HTTP/2 REFUSED_STREAM, e.g. after its GOAWAY) was never processed
  // (RFC 9113, 8.7); Node reports it only in its error text, which connect-node passes on as Internal.
  if (/\bNGHTTP2_REFUSED_STREAM\b/.test(error.rawMessage)) return true;
  return causeCodes(error).includes("ECONNREFUSED");
}

/** The `code` of each error in the cause chain (Node's and undici's). */
function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    // "socket hang up" and similar carry their code on the error itself; some wrap it in the message only.
    if (/\bsocket hang up\b|\bECONNRESET\b/.test(e.message)) codes.push("ECONNRESET");
  }
  return codes;
}

function isGone(error: ConnectError, goneIds: readonly string[]): boolean {
  if (error.code !== Code.NotFound) return false;
  const id = getErrorDetail(error)?.id;
  return id !== undefined && goneIds.includes(id);
}

/** The success a retried remove stands for when its keys are already gone: an empty response, marked. */
function alreadyApplied(req: UnaryRequest): UnaryResponse {
  const message = create(req.method.output);
  alreadyAppliedResponses.add(message);
  const header = new Headers({ [alreadyAppliedHeader]: "already-applied" });
  return { stream: false, service: req.service, method: req.method, header, message, trailer: new Headers() } as UnaryResponse;
}

/** Tells the server how much of the deadline is left for this attempt (gRPC and Connect send it as a header). */
function refreshTimeoutHeaders(req: UnaryRequest, at: number | undefined): void {
  if (at === undefined) return;
  const left = Math.max(1, at - Date.now());
  if (req.header.has("grpc-timeout")) req.header.set("grpc-timeout", `${left}m`);
  if (req.header.has("connect-timeout-ms")) req.header.set("connect-timeout-ms", String(left));
}
