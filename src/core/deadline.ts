// Deadlines: the default every call gets, how a per-call timeoutMs and a
// transport's defaultTimeoutMs combine, and the context value through which
// the retry interceptor learns when the call must end. Browser-safe.
import type { ContextKey, ContextValues } from "@connectrpc/connect";
import { createContextValues } from "@connectrpc/connect";

/** The deadline of a call that sets none, on a transport that sets none: 30 seconds. */
export const defaultCallTimeoutMs = 30_000;

/** Largest delay Node's and browsers' timers take; above it they fire at once. */
export const maxTimerMs = 2_147_483_647;

/**
 * The deadline a call runs with, in milliseconds, or undefined for none:
 * the call's `timeoutMs` if it set one (0 or Infinity: none), else the
 * transport's default (0 or Infinity: none; unset: 30 s). A per-call value
 * that is negative or not a number is connect's "none" too; one above what
 * timers take (about 24.8 days) means none, since a timer would fire at once.
 */
export function effectiveTimeoutMs(perCall: number | undefined, transportDefault: number | undefined): number | undefined {
  const chosen = perCall ?? transportDefault ?? defaultCallTimeoutMs;
  if (!(chosen > 0) || chosen === Number.POSITIVE_INFINITY || chosen > maxTimerMs) return undefined;
  return Math.ceil(chosen);
}

/** What one call's interceptors may know about its deadline. */
export interface CallDeadline {
  /** Milliseconds since the epoch at which the call fails with DeadlineExceeded; undefined for no deadline. */
  readonly at: number | undefined;
  /** The deadline as the call asked for it, in milliseconds (for messages). */
  readonly timeoutMs: number | undefined;
  /** Attempts started so far; the retry interceptor counts them (for messages). */
  attempts: number;
}

/** Set by our transports on every call. A registered symbol, so the ESM and CommonJS builds agree. */
export const callDeadlineKey: ContextKey<CallDeadline | undefined> = {
  id: Symbol.for("zitadel-metadata.callDeadline"),
  defaultValue: undefined,
};

/**
 * The caller's context values with one more, without changing the caller's
 * object (it may be shared by concurrent calls).
 */
export function withContextValue<T>(base: ContextValues | undefined, key: ContextKey<T>, value: T): ContextValues {
  const own = createContextValues().set(key, value);
  if (base === undefined) return own;
  return {
    get: <U>(k: ContextKey<U>) => (k.id === key.id ? own.get(k) : base.get(k)),
    set<U>(k: ContextKey<U>, v: U) {
      if (k.id === key.id) own.set(k, v);
      else base.set(k, v);
      return this;
    },
    delete<U>(k: ContextKey<U>) {
      if (k.id === key.id) own.delete(k);
      else base.delete(k);
      return this;
    },
  };
}

/**
 * An AbortSignal that aborts after `ms` with `reason()`, on a plain timer
 * that `clear()` stops. Not AbortSignal.timeout (with AbortSignal.any): Node
 * can lose that timer when nothing else holds the signal (nodejs/node#48950
 * and related), and a request then waits for ever. Linked to `parent`, if
 * given, so that either ends it.
 */
export function timerSignal(ms: number, reason: () => unknown, parent?: AbortSignal): { signal: AbortSignal; clear: () => void; abort: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(reason()), Math.min(ms, maxTimerMs));
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener("abort", onParentAbort, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onParentAbort);
    },
    /** Aborts now (e.g. to release what a finished attempt left open); a no-op once aborted. */
    abort: () => controller.abort(new Error("the attempt is over")),
  };
}

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts; the
 * timer is cleared either way, so an abandoned wait keeps nothing alive.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.min(ms, maxTimerMs),
    );
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
