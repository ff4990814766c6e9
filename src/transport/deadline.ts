// The default deadline of every call our transports make, and the error a
// call that ran out of time fails with: DeadlineExceeded, naming the RPC and
// the URL it went to. Browser-safe.
import type { DescMessage, DescMethodStreaming, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import type { ContextValues, Transport } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { CallDeadline } from "../core/deadline.js";
import { callDeadlineKey, effectiveTimeoutMs, maxTimerMs, withContextValue } from "../core/deadline.js";
import { displayUrl } from "../core/secure-url.js";

/** What connect's own deadline timer says when it fires (connect's createDeadlineSignal). */
const connectsTimeoutMessage = "the operation timed out";

/**
 * Runs one call with its effective deadline (the call's timeoutMs, else the
 * transport's default, else 30 s; 0 or Infinity for none) and hands the
 * deadline to the interceptors as a context value. `run` gets the timeout
 * for connect's transport API, where 0 means none.
 */
export async function runWithDeadline<T>(
  call: { perCallTimeoutMs: number | undefined; defaultTimeoutMs: number | undefined; contextValues: ContextValues | undefined; rpc: string; url: string },
  run: (timeoutMs: number, contextValues: ContextValues) => Promise<T>,
): Promise<T> {
  const timeoutMs = effectiveTimeoutMs(call.perCallTimeoutMs, call.defaultTimeoutMs);
  const deadline: CallDeadline = { at: timeoutMs === undefined ? undefined : Date.now() + timeoutMs, timeoutMs, attempts: 1 };
  const running = run(timeoutMs ?? 0, withContextValue(call.contextValues, callDeadlineKey, deadline));
  const backstop =
    timeoutMs === undefined
      ? undefined
      : deadlineBackstop(timeoutMs, () => deadlineExceeded(call.rpc, call.url, timeoutMs, transportKeptRunning(), deadline.attempts));
  try {
    return await (backstop === undefined ? running : Promise.race([running, backstop.ended]));
  } catch (e) {
    if (timeoutMs !== undefined && e instanceof ConnectError && e.code === Code.DeadlineExceeded && e.rawMessage === connectsTimeoutMessage) {
      throw deadlineExceeded(call.rpc, call.url, timeoutMs, e, deadline.attempts);
    }
    throw e;
  } finally {
    backstop?.clear();
  }
}

/**
 * How long after its deadline a call may take to end on its own. connect's
 * transports end a call when its deadline aborts it; a call waiting on
 * connect-node 2.1's session manager, whose check of a quiet session could
 * hang for good (keep-alive-session-manager.ts), was seen to outlive its
 * deadline by over a minute. Whatever the transport runs on (a caller's own
 * sessionManager too), past this grace the call fails and the caller gets
 * control back.
 */
const deadlineGraceMs = 1_000;

/** A promise that rejects with `error()` once the deadline and its grace have passed, unless cleared first. */
function deadlineBackstop(timeoutMs: number, error: () => ConnectError): { ended: Promise<never>; clear: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ended = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), Math.min(timeoutMs + deadlineGraceMs, maxTimerMs));
  });
  return { ended, clear: () => clearTimeout(timer) };
}

function transportKeptRunning(): Error {
  return new Error(`the transport did not end the call within ${formatDuration(deadlineGraceMs)} after its deadline aborted it`);
}

/** The error of a call that got no (complete) answer within its deadline. */
export function deadlineExceeded(rpc: string, url: string, timeoutMs: number, cause?: unknown, attempts = 1): ConnectError {
  let shown = url;
  try {
    shown = displayUrl(new URL(url));
  } catch {
    // Not a URL after all: show it as it is.
  }
  return new ConnectError(
    `${rpc} to ${shown} got no complete response within ${formatDuration(timeoutMs)}, the call's deadline` +
      `${attempts > 1 ? `, in ${attempts} attempts` : ""} ` +
      "(set timeoutMs on the call or defaultTimeoutMs on the transport; 0 for no deadline).",
    Code.DeadlineExceeded,
    undefined,
    undefined,
    cause,
  );
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/**
 * One of connect's transports with our deadlines: every call gets the
 * effective deadline (connect's own default is never used), and one that
 * runs out fails with a message naming the method's URL.
 */
export function withDeadlines(inner: Transport, baseUrl: string, defaultTimeoutMs: number | undefined): Transport {
  const urlOf = (method: { parent: { typeName: string }; name: string }) => `${baseUrl}/${method.parent.typeName}/${method.name}`;
  const rpcOf = (method: { parent: { typeName: string }; name: string }) => `${method.parent.typeName}/${method.name}`;
  return {
    unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ) {
      return runWithDeadline({ perCallTimeoutMs: timeoutMs, defaultTimeoutMs, contextValues, rpc: rpcOf(method), url: urlOf(method) }, (t, cv) =>
        inner.unary(method, signal, t, header, input, cv),
      );
    },
    stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ) {
      return runWithDeadline({ perCallTimeoutMs: timeoutMs, defaultTimeoutMs, contextValues, rpc: rpcOf(method), url: urlOf(method) }, (t, cv) =>
        inner.stream(method, signal, t, header, input, cv),
      );
    },
  };
}
