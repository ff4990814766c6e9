// A transport that tells whoever counts its calls when each starts and ends:
// how our Node transports over HTTP/2 let their session manager give up a
// connect that no call waits for any more (keep-alive-session-manager.ts).
// Browser-safe.
import type { Transport } from "@connectrpc/connect";

/** One counted call: how it ends for the counter. */
export interface CountedCall {
  /** The call failed with `error`: returns the error the caller gets (`error`, or one that explains it better). */
  failed(error: unknown): unknown;
  /** The call ended, after failed() if it failed. */
  ended(): void;
}

/** Counts calls: callStarted() at the start of each. */
export interface CallCounter {
  callStarted(): CountedCall;
}

/**
 * `inner`, with each call counted from the moment it is made until the
 * caller has its result or error (a stream: until its response, or its
 * failure, arrives). Wrap it around everything else, the deadlines included,
 * so that a call ends for the counter when it ends for the caller.
 */
export function withCountedCalls(inner: Transport, counter: CallCounter): Transport {
  return {
    unary: (method, signal, timeoutMs, header, input, contextValues) =>
      counted(counter, () => inner.unary(method, signal, timeoutMs, header, input, contextValues)),
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      counted(counter, () => inner.stream(method, signal, timeoutMs, header, input, contextValues)),
  };
}

async function counted<T>(counter: CallCounter, run: () => Promise<T>): Promise<T> {
  const call = counter.callStarted();
  try {
    return await run();
  } catch (e) {
    throw call.failed(e);
  } finally {
    call.ended();
  }
}
