/**
 * A token could not be obtained from ZITADEL: OpenID discovery or the token
 * endpoint failed, was unreachable, or answered with something unusable.
 * The message says which URL, the HTTP status and the OAuth error and its
 * description; it never holds a secret, an assertion or a token.
 */
export class TokenRequestError extends Error {
  override readonly name = "TokenRequestError";
  /** The discovery document or token endpoint, without query or user info. */
  readonly url: string;
  /** The HTTP status, when a response arrived. */
  readonly status: number | undefined;
  /** The OAuth error code of the response (RFC 6749 §5.2), e.g. "invalid_grant". */
  readonly oauthError: string | undefined;
  /** The server's error_description, with anything we sent it redacted. */
  readonly oauthErrorDescription: string | undefined;

  constructor(init: {
    message: string;
    url: string;
    status?: number;
    oauthError?: string;
    oauthErrorDescription?: string;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.url = init.url;
    this.status = init.status;
    this.oauthError = init.oauthError;
    this.oauthErrorDescription = init.oauthErrorDescription;
  }
}
