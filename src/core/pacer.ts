import type { ContextKey } from "@connectrpc/connect";
import { untilAborted } from "./abort.js";

/**
 * Paces requests to at most `rate` per second, evenly spaced (no bursts),
 * so a server that allows N requests per second over any window never sees
 * more when `rate` < N. When the server still says "too many" (HTTP 429,
 * ResourceExhausted), `slowDown()` halves the pace (once for all the
 * refusals of one overload: again only after the wait it asked for) and
 * honours its Retry-After; after a quiet while the pace climbs back to
 * `rate` in steps.
 *
 * One pacer serves one bulk operation (all its concurrent requests share
 * its slots), or one transport.
 */
export interface Pacer {
  /** Waits for the next slot; rejects with the signal's reason when it aborts first. */
  take(signal?: AbortSignal): Promise<void>;
  /** The server answered "too many": halve the pace (down to a floor) and wait `retryAfterMs` before the next slot. */
  slowDown(retryAfterMs?: number): void;
  /** The pace now, in requests per second. */
  readonly current: number;
  /** How often slowDown() was called. */
  readonly slowDowns: number;
}

export interface PacerClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realClock: PacerClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/** After this long without a slowDown, the pace grows by a tenth of `rate`, up to `rate`. */
const recoveryMs = 5_000;

/** `rate`: requests per second, a positive finite number. */
export function createPacer(rate: number, clock: PacerClock = realClock): Pacer {
  if (!(typeof rate === "number" && Number.isFinite(rate) && rate > 0)) {
    throw new RangeError(`a rate must be a positive number of requests per second, got ${String(rate)}`);
  }
  const floor = Math.min(rate, 1);
  let current = rate;
  // When the last slot was actually given out, and the earliest the next may be (a Retry-After).
  let last = -Infinity;
  let blockedUntil = -Infinity;
  let quietSince = clock.now();
  let slowDowns = 0;
  let calmUntil = -Infinity;
  // Waiters take turns: each slot is measured from the moment the previous one was really given
  // out, so a stalled event loop delays slots but never lets them out in a burst.
  let queue: Promise<unknown> = Promise.resolve();
  const turn = async (signal: AbortSignal | undefined) => {
    signal?.throwIfAborted();
    const now = clock.now();
    if (current < rate && now - quietSince >= recoveryMs) {
      current = Math.min(rate, current + rate / 10);
      quietSince = now;
    }
    const slot = Math.max(now, last + 1000 / current, blockedUntil);
    if (slot > now) await clock.sleep(slot - now, signal);
    last = Math.max(slot, clock.now());
  };
  return {
    get current() {
      return current;
    },
    get slowDowns() {
      return slowDowns;
    },
    take(signal) {
      const mine = queue.then(() => turn(signal));
      queue = mine.catch(() => undefined);
      // A waiter still queued behind others leaves at once when its signal aborts.
      return signal === undefined ? mine : untilAborted(mine, signal);
    },
    slowDown(retryAfterMs = 0) {
      const now = clock.now();
      // Concurrent requests refused by the same overload are one event: halve once per wait.
      if (now >= calmUntil) {
        slowDowns++;
        current = Math.max(floor, current / 2);
        calmUntil = now + Math.max(retryAfterMs, 1000 / current);
      }
      quietSince = now;
      blockedUntil = Math.max(blockedUntil, now + Math.max(0, retryAfterMs));
    },
  };
}

/**
 * The pacer of the bulk operation a call belongs to, so that the retry
 * interceptor paces its retries with it and slows it down on "too many".
 * A registered symbol, so the ESM and CommonJS copies of the package share it.
 */
export const pacerKey: ContextKey<Pacer | undefined> = { id: Symbol.for("zitadel-metadata.pacer"), defaultValue: undefined };
