import { displayUrl } from "../core/secure-url.js";
import { TokenRequestError } from "./token-request-error.js";

export type FetchFn = typeof globalThis.fetch;

/** The longest we wait for discovery or the token endpoint when the call itself has no deadline. */
export const tokenRequestTimeoutMs = 30_000;

/**
 * Sends one request and returns the response, turning a network failure into
 * a TokenRequestError that names the URL. `what` starts the message, e.g.
 * "token request to". An abort is passed on unchanged.
 */
export async function send(fetchFn: FetchFn, url: URL, init: RequestInit, what: string): Promise<Response> {
  try {
    return await fetchFn(url, init);
  } catch (e) {
    if (init.signal?.aborted) {
      const reason: unknown = init.signal.reason;
      // Our own limit, not the caller's cancellation: the server is too slow, which is worth saying.
      if (reason instanceof Error && reason.name === "TimeoutError") {
        throw new TokenRequestError({
          message: `${what} ${displayUrl(url)} got no answer within ${tokenRequestTimeoutMs / 1000} s.`,
          url: displayUrl(url),
        });
      }
      throw reason;
    }
    // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, a bad port).
    const cause = (e as { cause?: { code?: unknown; message?: unknown } })?.cause;
    const why = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message.slice(0, 200) : "";
    const reason = `${e instanceof Error ? e.message : String(e)}${why ? ` (${why})` : ""}`;
    throw new TokenRequestError({
      message: `${what} ${displayUrl(url)} failed: ${reason}. Check the URL and that the server is reachable.`,
      url: displayUrl(url),
      cause: e,
    });
  }
}

/**
 * The response body as a JSON object, or undefined when it is not one. The
 * body is never quoted in errors: a token endpoint's body may hold a token.
 */
export async function readJsonObject(res: Response): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await res.text();
  } catch {
    return undefined;
  }
  try {
    const json: unknown = JSON.parse(text);
    return json !== null && typeof json === "object" && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
