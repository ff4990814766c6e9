/**
 * Anything that yields a bearer token for a call. It receives the call's
 * AbortSignal so a slow token request can be cancelled with the call.
 */
export type TokenSource = (signal: AbortSignal) => string | Promise<string>;

/** What `auth` accepts: a token, or a source that yields one per call. */
export type Auth = string | TokenSource;
