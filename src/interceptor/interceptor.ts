import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { orgIdKey } from "../core/org-context.js";
import { insecureUrlProblem } from "../core/secure-url.js";
import { TokenRequestError } from "../auth/token-request-error.js";
import type { Auth, TokenContext, TokenSource } from "../auth/token-source.js";
import { instanceNeededBy } from "../auth/token-source.js";
import { getErrorDetail, tokenFailureKey } from "../zitadel/errors.js";
import { errorFact } from "../zitadel/versions.js";
import { parseBaseUrl } from "../core/base-url.js";
import { assertHeaderSafe } from "../core/header-value.js";
import { findUnsendableText } from "../zitadel/storable-text.js";
import { ZitadelConfigError } from "../core/config-error.js";
import { withoutSecret } from "./redact-error.js";

/** The options of {@link createZitadelInterceptor}: the credentials and the default organization it adds to every call. */
export interface ZitadelInterceptorOptions {
  /** A bearer token, or a source that yields one per call. Sent as `authorization: Bearer <token>`. */
  auth?: Auth;
  /** Default `x-zitadel-orgid`; a call's {@link withOrgId} wins over it. */
  orgId?: string;
  /**
   * The ZITADEL instance, e.g. "https://acme.zitadel.cloud": the base URL of
   * the transport this interceptor is on. Token sources such as
   * serviceAccountKey find the token endpoint from it, so with one of them
   * (unless it has its own "issuer") it is required; a plain function source
   * gets it, or else the origin of the call's URL. When given, a plain-http
   * URL is refused at once rather than on the first call.
   */
  baseUrl?: string;
  /**
   * Send the bearer token over plain http:// to hosts other than loopback.
   * Default false: anyone on the network path could read it. Loopback
   * (127.0.0.0/8, ::1, localhost) is always allowed, for a local emulator.
   */
  allowInsecure?: boolean;
}

/**
 * The interceptor every ZITADEL call needs: it sets `authorization` and, when
 * an organization is known, `x-zitadel-orgid`. Headers the caller set
 * explicitly on a call are left as they are. Put it on any Connect transport.
 *
 * It refuses, before sending, a request with text ZITADEL cannot take as it
 * is (U+0000, lone surrogates), naming the field.
 *
 * It refuses to send a token over plain http:// to a host that is not
 * loopback unless `allowInsecure` is set. When ZITADEL rejects a token from a
 * source that can refresh (serviceAccountKey, clientCredentials) as invalid
 * or expired (AUTH-7fs1e), it gets a new token and retries the call once.
 */
export function createZitadelInterceptor(options: ZitadelInterceptorOptions): Interceptor {
  const { auth, orgId } = options;
  const allowInsecure = options.allowInsecure === true;
  if (typeof auth === "string") assertHeaderSafe(auth, 'option "auth"', "token");
  else if (auth !== undefined && typeof auth !== "function") {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "auth",
      problem: 'option "auth": expected a token string or a function that returns one.',
    });
  } else if (auth?.invalidate !== undefined && typeof auth.invalidate !== "function") {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "auth",
      problem: 'option "auth": its "invalidate" must be a function (token) => void.',
    });
  }
  if (orgId !== undefined) assertHeaderSafe(orgId, 'option "orgId"', "organization id");
  if (options.allowInsecure !== undefined && typeof options.allowInsecure !== "boolean") {
    throw new ZitadelConfigError({ code: "ERR_INVALID_OPTION", option: "allowInsecure", problem: 'option "allowInsecure" must be true or false.' });
  }
  let baseUrl: string | undefined;
  if (options.baseUrl !== undefined) {
    const { url, normalized } = parseBaseUrl(options.baseUrl, 'option "baseUrl"', "baseUrl");
    const problem = auth === undefined ? undefined : insecureUrlProblem(url, allowInsecure, "a bearer token");
    if (problem) throw new ZitadelConfigError({ code: "ERR_INSECURE_URL", option: "baseUrl", problem: `option "baseUrl": ${problem}` });
    baseUrl = normalized;
  } else if (typeof auth === "function") {
    const needing = instanceNeededBy(auth);
    // A request's URL does not say where the instance ends and the RPC path begins (a reverse
    // proxy's sub-path, REST prefixes), and guessing would send the credential to the wrong place.
    if (needing !== undefined) {
      throw new ZitadelConfigError({
        code: "ERR_MISSING_OPTION",
        option: "baseUrl",
        problem:
          `option "baseUrl" is missing: ${needing} asks the ZITADEL instance for tokens and needs its URL, which an interceptor cannot tell from a request. ` +
          'Pass the base URL of your transport, e.g. createZitadelInterceptor({ auth, baseUrl: "https://acme.zitadel.cloud" }), ' +
          `or give ${needing} the option "issuer".`,
      });
    }
  }
  return (next) => async (req) => {
    if (!req.stream) {
      const unsendable = findUnsendableText(req.message);
      if (unsendable) {
        // Refused before sending: ZITADEL would fail it (U+0000) or store something else (U+FFFD).
        throw new ConnectError(`${req.method.name}: request field "${unsendable.path}" ${unsendable.problem}; remove that character.`, Code.InvalidArgument);
      }
    }
    const org = req.contextValues.get(orgIdKey) ?? orgId;
    if (org !== undefined && !req.header.has("x-zitadel-orgid")) req.header.set("x-zitadel-orgid", org);
    if (auth === undefined || req.header.has("authorization")) return next(req);

    const problem = insecureUrlProblem(new URL(req.url), allowInsecure, "a bearer token");
    if (problem) throw new ConnectError(problem, Code.InvalidArgument);
    if (typeof auth === "string") {
      req.header.set("authorization", `Bearer ${auth}`);
      return sendRedacted(next, req, auth);
    }
    // Without a baseUrl only sources that need no instance get here; they learn the origin, never a path.
    const context: TokenContext = { baseUrl: baseUrl ?? new URL(req.url).origin, allowInsecure };
    const token = await tokenFrom(auth, req.signal, context);
    req.header.set("authorization", `Bearer ${token}`);
    if (!auth.invalidate || req.stream) return sendRedacted(next, req, token);
    try {
      return await sendRedacted(next, req, token);
    } catch (e) {
      if (!isTokenInvalid(e)) throw e;
      // The token was revoked or expired early: fetch a new one and try once more.
      auth.invalidate(token);
      const fresh = await tokenFrom(auth, req.signal, context);
      if (fresh === token) throw e;
      req.header.set("authorization", `Bearer ${fresh}`);
      return sendRedacted(next, req, fresh);
    }
  };
}

/** Asks the source for a token; its failures become ConnectErrors that say what went wrong, never the secret. */
async function tokenFrom(source: TokenSource, signal: AbortSignal, context: TokenContext): Promise<string> {
  let token: unknown;
  try {
    token = await source(signal, context);
  } catch (e) {
    throw tokenFailure(e, signal);
  }
  try {
    assertHeaderSafe(token, 'the token returned by option "auth"', "token");
  } catch (e) {
    // Fail the call before anything is sent; the message never includes the token.
    throw new ConnectError((e as Error).message, Code.InvalidArgument);
  }
  return token;
}

function tokenFailure(e: unknown, signal: AbortSignal): ConnectError {
  if (e instanceof ConnectError) return e;
  // Cancelled or timed out while waiting for the token: report it as the call's own abort.
  if (signal.aborted) return ConnectError.from(signal.reason);
  const message = `could not get an access token: ${e instanceof Error ? e.message : String(e)}`;
  let code = e instanceof TypeError ? Code.InvalidArgument : Code.Unauthenticated;
  if (e instanceof TokenRequestError) {
    // No answer, or a server error (HTTP 5xx, 429, temporarily_unavailable): try again later.
    // No answer in time: DeadlineExceeded. Otherwise the credential or the setup is wrong.
    code = e.timedOut ? Code.DeadlineExceeded : e.transient ? Code.Unavailable : Code.Unauthenticated;
  }
  const error = new ConnectError(message, code, undefined, undefined, e);
  (error as unknown as Record<symbol, boolean>)[tokenFailureKey] = true;
  return error;
}

/** ZITADEL's "Errors.Token.Invalid (AUTH-7fs1e)": unknown, revoked or expired token. */
function isTokenInvalid(e: unknown): boolean {
  if (!(e instanceof ConnectError) || e.code !== Code.Unauthenticated) return false;
  return errorFact(getErrorDetail(e)?.id)?.kind === "tokenInvalid";
}

/**
 * Sends the request; a failure that echoes the token it carried (a proxy's
 * error page, a header, an error detail) has it redacted before it goes on.
 */
type Next = Parameters<Interceptor>[0];

async function sendRedacted(next: Next, req: Parameters<Next>[0], token: string): ReturnType<Next> {
  try {
    return await next(req);
  } catch (e) {
    throw withoutSecret(e, token);
  }
}
