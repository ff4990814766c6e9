/**
 * What a token source learns about the call it serves. Sources that fetch
 * tokens from ZITADEL use it to find the instance; a plain function may ignore it.
 */
export interface TokenContext {
  /**
   * The ZITADEL instance the call goes to, e.g. "https://acme.zitadel.cloud"
   * (no trailing slash): the transport's or interceptor's `baseUrl`, or, for
   * an interceptor without one, the origin of the call's URL.
   */
  readonly baseUrl: string;
  /** Whether the transport was told to allow plain http:// to hosts other than loopback. */
  readonly allowInsecure: boolean;
}

/**
 * Anything that yields a bearer token for a call. It receives the call's
 * AbortSignal so a slow token request can be cancelled with the call.
 *
 * A source may also offer `invalidate(token)`: the interceptor calls it when
 * ZITADEL rejects that token as invalid or expired (AUTH-7fs1e), asks the
 * source once more and retries the call once with the new token. A plain
 * `async (signal) => token` function has no `invalidate` and is never retried.
 */
export interface TokenSource {
  (signal: AbortSignal, context?: TokenContext): string | Promise<string>;
  /** Forget `token` if it is the one cached, so the next request fetches a new one. */
  invalidate?: (token: string) => void;
}

/**
 * Set on a token source that must be told which ZITADEL instance to ask (an
 * OAuth source without the option "issuer"); its value is the source's
 * entry name, e.g. "serviceAccountKey". The interceptor refuses such a source
 * without a `baseUrl`. A registered symbol, so the ESM and CommonJS builds agree.
 * @private
 */
export const instanceUrlNeeded: unique symbol = Symbol.for("zitadel-metadata.needsInstance");

/** The entry name of a source that needs {@link TokenContext.baseUrl}, or undefined. @private */
export function instanceNeededBy(source: TokenSource): string | undefined {
  const mark = (source as unknown as Record<symbol, unknown>)[instanceUrlNeeded];
  return typeof mark === "string" ? mark : undefined;
}

/** What `auth` accepts: a token, or a source that yields one per call. */
export type Auth = string | TokenSource;
