import { assertHeaderSafe } from "../core/header-value.js";
import { redact } from "../core/conceal.js";
import type { FetchFn } from "./http.js";
import { exchange } from "./http.js";
import { displayUrl } from "../core/secure-url.js";
import { TokenRequestError } from "./token-request-error.js";

/** A token as the endpoint issued it. */
export interface IssuedToken {
  token: string;
  /** Lifetime in seconds from when the request was sent. */
  expiresInSeconds: number;
}

export interface TokenRequest {
  endpoint: URL;
  /** The form parameters (grant_type, scope, assertion, …). */
  form: URLSearchParams;
  /** Extra headers, such as HTTP Basic client authentication. */
  headers?: Record<string, string>;
  fetch: FetchFn;
  signal: AbortSignal;
  /** Strings that must not appear in an error even if the server echoes them. */
  secrets: readonly string[];
  /** What to tell the user for an OAuth error code, e.g. which credential to check. */
  hint?: (oauthError: string) => string | undefined;
}

/** Used when a response has no expires_in: short, so a token of unknown lifetime is not trusted for long. */
const defaultExpiresInSeconds = 300;

/** OAuth error codes are restricted to these characters (RFC 6749 §5.2). */
const oauthErrorPattern = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,100}$/;

/**
 * POSTs a token request (RFC 6749 §4, form-encoded) and returns the access
 * token, or throws a TokenRequestError with the endpoint, the HTTP status and
 * the OAuth error. Nothing from the request, and no token, is ever quoted.
 */
export async function requestToken(req: TokenRequest): Promise<IssuedToken> {
  const where = displayUrl(req.endpoint);
  const res = await exchange(
    req.fetch,
    req.endpoint,
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", ...req.headers },
      body: req.form.toString(),
    },
    "token request to",
    req.signal,
  );
  const { json } = res;
  if (!res.ok) {
    // A server may echo what it was sent in any field, even "error".
    const errorField = typeof json?.error === "string" ? redact(json.error, req.secrets) : undefined;
    const oauthError = errorField !== undefined && oauthErrorPattern.test(errorField) ? errorField : undefined;
    const description =
      typeof json?.error_description === "string"
        ? redact(json.error_description, req.secrets)
            .replace(/[\x00-\x1f\x7f]+/g, " ")
            .slice(0, 500)
        : undefined;
    const hint = oauthError ? req.hint?.(oauthError) : undefined;
    const detail = oauthError ? `${oauthError}${description ? `: ${description}` : ""}` : "no OAuth error in the response";
    throw new TokenRequestError({
      message: `token request to ${where} failed: HTTP ${res.status}, ${detail}.${hint ? ` ${hint}` : ""}`,
      url: where,
      status: res.status,
      oauthError,
      oauthErrorDescription: description,
    });
  }
  const fail = (problem: string): never => {
    throw new TokenRequestError({ message: `token request to ${where}: ${problem}.`, url: where, status: res.status });
  };
  if (!json) return fail("the response is not a JSON object");
  const token = json.access_token;
  if (typeof token !== "string") return fail('the response has no "access_token"');
  try {
    assertHeaderSafe(token, "access_token", "token");
  } catch {
    return fail('the "access_token" it returned cannot be sent as a header');
  }
  if (typeof json.token_type === "string" && json.token_type.toLowerCase() !== "bearer") {
    return fail(`it issued a token of type "${json.token_type.slice(0, 40)}", not "Bearer"`);
  }
  const expiresIn = Number(json.expires_in ?? defaultExpiresInSeconds);
  if (!Number.isFinite(expiresIn) || expiresIn < 0) return fail('"expires_in" is not a number of seconds');
  return { token, expiresInSeconds: expiresIn };
}
