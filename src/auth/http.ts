import { timerSignal } from "../core/deadline.js";
import { displayUrl } from "../core/secure-url.js";
import { TokenRequestError } from "./token-request-error.js";

export type FetchFn = typeof globalThis.fetch;

/**
 * The longest one discovery or token request may take, answer body
 * included: 10 s, on a plain timer of its own (whatever the call's deadline).
 */
export const tokenRequestTimeoutMs = 10_000;

/** The largest discovery document or token response read: 64 KiB. A larger one is refused unread. */
export const maxTokenResponseBytes = 64 * 1024;

/** A response of discovery or the token endpoint, read. */
export interface ExchangeResult {
  status: number;
  ok: boolean;
  /** The body as a JSON object, or undefined when it is not one. Never quoted in errors: it may hold a token. */
  json: Record<string, unknown> | undefined;
}

/** The reason our own timer aborts a request with, told apart from the caller's abort. */
class TokenTimeout extends Error {
  override name = "TokenTimeout";
}

/**
 * Sends one request of discovery or to the token endpoint and reads its
 * answer, within {@link tokenRequestTimeoutMs} and {@link maxTokenResponseBytes}.
 * Redirects are never followed (the request may carry a credential): a 3xx
 * is an error naming where it pointed. A network failure, a timeout and an
 * oversized answer become TokenRequestErrors naming the URL. `what` starts
 * the message, e.g. "token request to". The caller's abort is passed on unchanged.
 */
export async function exchange(fetchFn: FetchFn, url: URL, init: RequestInit, what: string, signal: AbortSignal): Promise<ExchangeResult> {
  const where = displayUrl(url);
  const timer = timerSignal(tokenRequestTimeoutMs, () => new TokenTimeout("timed out"), signal);
  const failed = (e: unknown): never => {
    if (timer.signal.aborted) {
      const reason: unknown = timer.signal.reason;
      if (reason instanceof TokenTimeout) {
        throw new TokenRequestError({
          message: `${what} ${where} got no complete answer within ${tokenRequestTimeoutMs / 1000} s.`,
          url: where,
          timedOut: true,
        });
      }
      throw reason;
    }
    if (e instanceof TokenRequestError) throw e;
    // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, a bad port).
    const cause = (e as { cause?: { code?: unknown; message?: unknown } })?.cause;
    const why = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message.slice(0, 200) : "";
    const reason = `${e instanceof Error ? e.message : String(e)}${why ? ` (${why})` : ""}`;
    throw new TokenRequestError({
      message: `${what} ${where} failed: ${reason}. Check the URL and that the server is reachable.`,
      url: where,
      cause: e,
    });
  };
  try {
    let res: Response;
    try {
      res = await fetchFn(url, { ...init, redirect: "manual", signal: timer.signal });
    } catch (e) {
      return failed(e);
    }
    if (res.type === "opaqueredirect" || res.status === 0 || (res.status >= 300 && res.status < 400)) {
      await cancel(res);
      throw new TokenRequestError({
        message: `${what} ${where} answered with a redirect${res.status ? ` (HTTP ${res.status})` : ""}${redirectTarget(res, url)}; discovery and token requests never follow redirects, since they carry a credential. Use the address ZITADEL answers on itself.`,
        url: where,
        status: res.status || undefined,
      });
    }
    const length = Number(res.headers.get("content-length") ?? Number.NaN);
    if (length > maxTokenResponseBytes) {
      await cancel(res);
      throw tooLarge(what, where, res.status, length);
    }
    let text: string | undefined;
    try {
      text = await readCapped(res);
    } catch (e) {
      return failed(e);
    }
    if (text === undefined) throw tooLarge(what, where, res.status, undefined);
    return { status: res.status, ok: res.ok, json: parseObject(text) };
  } finally {
    timer.clear();
  }
}

function tooLarge(what: string, where: string, status: number, bytes: number | undefined): TokenRequestError {
  const limit = `${maxTokenResponseBytes / 1024} KiB`;
  const size = bytes === undefined ? `more than ${limit}` : `${bytes} bytes, more than ${limit}`;
  return new TokenRequestError({
    message: `${what} ${where} answered HTTP ${status} with ${size}, the most a discovery document or token response may have; it was refused unread.`,
    url: where,
    status,
  });
}

/** " to <origin>" of a redirect's Location, or how little is known; never its path or query (which may carry a code). */
function redirectTarget(res: Response, url: URL): string {
  const location = res.headers.get("location");
  if (location === null) return res.status === 0 ? " (the browser does not say where)" : " without a Location";
  try {
    return ` to ${new URL(location, url).origin}`;
  } catch {
    return " to a Location that is not a URL";
  }
}

async function cancel(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // Already closed or errored: nothing left to release.
  }
}

/** The body as text, or undefined once it exceeds the cap (then the rest is not read). */
async function readCapped(res: Response): Promise<string | undefined> {
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxTokenResponseBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const json: unknown = JSON.parse(text);
    return json !== null && typeof json === "object" && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
