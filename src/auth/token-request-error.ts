/**
 * A token could not be obtained from ZITADEL: OpenID discovery or the token
 * endpoint failed, was unreachable, or answered with something unusable.
 * The message says which URL, the HTTP status and the OAuth error and its
 * description; it never holds a secret, an assertion or a token.
 */
export class TokenRequestError extends Error {
  /**
   * Always "TokenRequestError", as stack traces and logs show it. A call
   * that needed the token fails with a ConnectError whose cause is this
   * error (see isTokenFailure).
   */
  override readonly name = "TokenRequestError";
  /** The discovery document or token endpoint, without query or user info. */
  readonly url: string;
  /** The HTTP status, when a response arrived. */
  readonly status: number | undefined;
  /** The OAuth error code of the response (RFC 6749 §5.2), e.g. "invalid_grant". */
  readonly oauthError: string | undefined;
  /** The server's error_description, with anything we sent it redacted. */
  readonly oauthErrorDescription: string | undefined;
  /** True when no complete answer came within the request's own time limit (10 s). */
  readonly timedOut: boolean;

  /** Made by the token sources; the message is built from `init` and never holds a secret. */
  constructor(init: {
    /** The error's message: which URL, the HTTP status, the OAuth error; never a secret, an assertion or a token. */
    message: string;
    /** Becomes {@link TokenRequestError.url}; given without query or user info (it is not stripped here). */
    url: string;
    /** Becomes {@link TokenRequestError.status}; omitted when no response arrived. */
    status?: number;
    /** Becomes {@link TokenRequestError.oauthError}; omitted when the answer had none. */
    oauthError?: string;
    /** Becomes {@link TokenRequestError.oauthErrorDescription}, already redacted; omitted when the answer had none. */
    oauthErrorDescription?: string;
    /** Becomes {@link TokenRequestError.timedOut}; omitted: false. */
    timedOut?: boolean;
    /** The underlying failure (e.g. the network error), as the Error's cause; with no status and no timeout, a cause makes the error {@link TokenRequestError.transient}. */
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.url = init.url;
    this.status = init.status;
    this.oauthError = init.oauthError;
    this.oauthErrorDescription = init.oauthErrorDescription;
    this.timedOut = init.timedOut === true;
  }

  /**
   * Whether trying again later may work: no answer, HTTP 429 or 5xx, or the
   * OAuth errors "temporarily_unavailable" and "server_error". A refusal of
   * the credential (HTTP 4xx with an OAuth error) or a misconfiguration is not.
   */
  get transient(): boolean {
    if (this.timedOut) return false;
    if (this.oauthError === "temporarily_unavailable" || this.oauthError === "server_error") return true;
    if (this.status === undefined) return this.cause !== undefined;
    return this.status === 429 || this.status >= 500;
  }
}
