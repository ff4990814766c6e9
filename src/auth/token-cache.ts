import { untilAborted } from "../core/abort.js";
import type { IssuedToken } from "./token-endpoint.js";

/** Refresh this long before a token expires (at most half its lifetime), so no call carries a token about to lapse. */
const refreshMarginMs = 60_000;

interface Cached {
  token: string;
  /** Milliseconds since the epoch after which the token is fetched anew. */
  refreshAt: number;
}

interface Flight {
  promise: Promise<Cached>;
  controller: AbortController;
  /** Callers awaiting this request; when the last one gives up, the request is aborted. */
  waiters: number;
}

/**
 * One cached access token and the single request that refreshes it.
 *
 * - A token is reused until `expires_in` minus a margin has passed, measured
 *   from when its request was sent, so clock skew with the server does not matter.
 * - Callers that need a token while one is being fetched share that request.
 * - A failed request is not remembered: the next caller tries again.
 * - Nothing runs in the background, so no timer keeps the process alive;
 *   expiry is checked when a token is asked for.
 */
/** The shortest time a token is reused, whatever expires_in says. */
const minimumLifetimeSeconds = 5;

export class TokenCache {
  #cached: Cached | undefined;
  #flight: Flight | undefined;
  readonly #fetchToken: (signal: AbortSignal) => Promise<IssuedToken>;

  constructor(fetchToken: (signal: AbortSignal) => Promise<IssuedToken>) {
    this.#fetchToken = fetchToken;
  }

  /** A valid token: the cached one, or a new one from the shared request. */
  async get(signal: AbortSignal): Promise<string> {
    const cached = this.#cached;
    if (cached && Date.now() < cached.refreshAt) return cached.token;
    signal.throwIfAborted();
    const flight = this.#flight ?? this.#start();
    flight.waiters++;
    try {
      return (await untilAborted(flight.promise, signal)).token;
    } finally {
      flight.waiters--;
      if (flight.waiters === 0 && this.#flight === flight) {
        // Everyone who wanted this token gave up; stop asking for it.
        this.#flight = undefined;
        flight.controller.abort(signal.reason);
      }
    }
  }

  /** Forgets the token if it is the cached one (the server rejected it). */
  invalidate(token: string): void {
    if (this.#cached?.token === token) this.#cached = undefined;
  }

  #start(): Flight {
    const controller = new AbortController();
    // Each request under it (discovery, the token endpoint) is bounded by a time limit of its own.
    const signal = controller.signal;
    const sentAt = Date.now();
    const flight: Flight = {
      controller,
      waiters: 0,
      promise: this.#fetchToken(signal).then(
        ({ token, expiresInSeconds }) => {
          // A lifetime under a few seconds (a broken server's expires_in: 0) would make
          // every call fetch a token; keep such a token that long and let ZITADEL judge it.
          const lifetimeMs = Math.max(expiresInSeconds, minimumLifetimeSeconds) * 1000;
          const cached = { token, refreshAt: sentAt + lifetimeMs - Math.min(refreshMarginMs, lifetimeMs / 2) };
          if (this.#flight === flight) {
            this.#flight = undefined;
            this.#cached = cached;
          }
          return cached;
        },
        (e: unknown) => {
          if (this.#flight === flight) this.#flight = undefined;
          throw e;
        },
      ),
    };
    // Every waiter handles the outcome; this keeps an abandoned request's failure from going unhandled.
    flight.promise.catch(() => {});
    this.#flight = flight;
    return flight;
  }
}
