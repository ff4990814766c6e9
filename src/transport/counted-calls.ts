// A transport that tells whoever counts its calls when each starts and ends:
// how our Node transports over HTTP/2 let their session manager give up a
// connect that no call waits for any more (keep-alive-session-manager.ts).
// Browser-safe.
import type { Transport } from "@connectrpc/connect";

/** Counts calls: callStarted() at the start of each, and the function it returns at its end. */
export interface CallCounter {
  callStarted(): () => void;
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

async function counted<T>(counter: CallCounter, call: () => Promise<T>): Promise<T> {
  const ended = counter.callStarted();
  try {
    return await call();
  } finally {
    ended();
  }
}
