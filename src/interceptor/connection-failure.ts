// Why a call could not reach ZITADEL at all, said in one line with the fix:
// TLS spoken to a plain-HTTP port and the reverse, a certificate Node does
// not trust, a host name that does not resolve, a port nobody listens on, a
// URL path or a server that is not ZITADEL's. Recognised by the error codes
// in the cause chain (Node's, connect's), never by OpenSSL's text, which
// stays available as the error's cause. Browser-safe: no Node imports.
import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { tokenFailureKey } from "../zitadel/errors.js";

/** The kinds of connection failure we explain. */
export type ConnectionFailureKind = "tls-to-plain" | "plain-to-tls" | "certificate" | "dns" | "refused" | "no-answer" | "not-zitadel";

/** What went wrong, for a message in the caller's own terms (the CLI names its flags). */
export interface ConnectionFailure {
  /**
   * Which failure: "tls-to-plain" (https:// to a server that answered in
   * plain HTTP), "plain-to-tls" (http:// to a port that closed the
   * connection without an answer, likely one that expects TLS),
   * "certificate" (a TLS certificate Node does not trust, or one for another
   * host name), "dns" (the host name does not resolve), "refused" (nothing
   * listens on the port), "no-answer" (the connect got no answer: a
   * firewall that drops it, or a host that is down), "not-zitadel" (an
   * answer, but not ZITADEL's: an HTTP/1.1-only server, or HTTP 404 for a
   * path in baseUrl or as an HTML page). The error's code is Unavailable,
   * except for "not-zitadel", which keeps the original code, and for a
   * "no-answer" at the call's deadline, which stays DeadlineExceeded.
   */
  kind: ConnectionFailureKind;
  /** host[:port] of the base URL. */
  host: string;
  /** The cause in words, e.g. "the certificate of 127.0.0.1:8443 is not trusted (self-signed certificate)". */
  reason: string;
}

const failureKey = Symbol.for("zitadel-metadata.connectionFailure");

const certificateCodes = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** Error codes that mean "this will fail the same way next time": not worth a retry. */
const permanentConnectionCodes: ReadonlySet<string> = new Set([
  ...certificateCodes,
  "ENOTFOUND",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "ERR_SSL_PACKET_LENGTH_TOO_LONG",
  "ERR_SSL_HTTP_REQUEST",
]);

/**
 * Whether a failure to connect will fail the same way on the next attempt: a
 * certificate Node does not trust, TLS to a plain-HTTP port, a host name that
 * does not exist (ENOTFOUND; EAI_AGAIN, a DNS server that did not answer, may pass).
 */
export function isPermanentConnectionFailure(error: unknown): boolean {
  return causes(error).some((e) => {
    const code = codeOf(e) ?? "";
    return permanentConnectionCodes.has(code) || (code === "EPROTO" && tlsToPlainText.test(e.message));
  });
}

/** Node's EPROTO over HTTP/1.1 carries the TLS library's reason only in its text. */
const tlsToPlainText = /wrong version number|packet length too long|http request/i;

function causes(error: unknown): Error[] {
  const found: Error[] = [];
  for (let e: unknown = error; e instanceof Error && found.length < 8 && !found.includes(e); e = e.cause) found.push(e);
  return found;
}

function codeOf(e: Error): string | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** The failure an error (or one of its causes) was explained as; undefined for any other error. */
export function connectionFailureOf(error: unknown): ConnectionFailure | undefined {
  for (const e of causes(error)) {
    const failure = (e as unknown as Record<symbol, unknown>)[failureKey];
    if (failure !== undefined) return failure as ConnectionFailure;
  }
  return undefined;
}

/** What the failure is, from the error's codes; undefined when it is not one we explain. */
export function classifyConnectionFailure(error: ConnectError, baseUrl: string): ConnectionFailure | undefined {
  const url = new URL(baseUrl);
  const host = url.host;
  const chain = causes(error);
  const codes = chain.map(codeOf).filter((c) => c !== undefined);
  const cert = chain.find((e) => certificateCodes.has(codeOf(e) ?? ""));
  if (cert !== undefined) {
    const what =
      codeOf(cert) === "ERR_TLS_CERT_ALTNAME_INVALID" ? "is for another host name" : `is not trusted (${(cert.message.split("\n")[0] ?? "").slice(0, 80)})`;
    return { kind: "certificate", host, reason: `the TLS certificate of ${host} ${what}` };
  }
  if (
    codes.some((c) => c === "ERR_SSL_WRONG_VERSION_NUMBER" || c === "ERR_SSL_PACKET_LENGTH_TOO_LONG" || c === "ERR_SSL_HTTP_REQUEST") ||
    (codes.includes("EPROTO") && chain.some((e) => tlsToPlainText.test(e.message)))
  ) {
    return { kind: "tls-to-plain", host, reason: `${host} does not speak TLS (https://), it answered in plain HTTP` };
  }
  if (codes.includes("ENOTFOUND") || codes.includes("EAI_AGAIN")) {
    return { kind: "dns", host, reason: `the host name ${url.hostname} does not resolve (${codes.includes("ENOTFOUND") ? "ENOTFOUND" : "EAI_AGAIN"})` };
  }
  if (codes.includes("ECONNREFUSED")) {
    return { kind: "refused", host, reason: `nothing listens on ${host} (connection refused)` };
  }
  // The kernel's, our HTTP/2 session manager's, or undici's (REST on a fetch) connect timeout.
  if (codes.includes("ETIMEDOUT") || codes.includes("UND_ERR_CONNECT_TIMEOUT")) return noAnswer(host);
  const fromZitadel = error.metadata.has("grpc-status") && error.code !== Code.Unimplemented;
  if (url.protocol === "http:" && !fromZitadel) {
    // A TLS port hit with plain HTTP closes the connection without a word: a reset over HTTP/1.1, a cancelled stream over h2c.
    const closed =
      codes.includes("ECONNRESET") ||
      codes.includes("EPIPE") ||
      (error.code === Code.Canceled && /^http\/2 stream closed with error code CANCEL\b/.test(error.rawMessage));
    if (closed) return { kind: "plain-to-tls", host, reason: `${host} closed the connection without an answer to plain HTTP (does it expect TLS?)` };
  }
  // An HTTP/1.1-only server that is sent gRPC's HTTP/2 without TLS answers what HTTP/2 cannot parse.
  if (codes.includes("ERR_HTTP2_ERROR")) {
    return { kind: "not-zitadel", host, reason: `${host} does not answer HTTP/2 as ZITADEL does (an HTTP/1.1-only server, or not ZITADEL)` };
  }
  if (error.code === Code.Unimplemented && /^HTTP 404\b/.test(error.rawMessage)) {
    const path = url.pathname.replace(/\/+$/, "");
    const contentType = error.metadata.get("content-type") ?? "";
    if (path !== "") return { kind: "not-zitadel", host, reason: `${baseUrl} answered HTTP 404: the path ${path} is not ZITADEL's` };
    if (/text\/html/i.test(contentType)) return { kind: "not-zitadel", host, reason: `${host} answered an HTML page with HTTP 404: it is not ZITADEL's API` };
  }
  return undefined;
}

/** A connect to `host` that got no answer. */
export function noAnswer(host: string): ConnectionFailure {
  return { kind: "no-answer", host, reason: `${host} did not answer the connection (a firewall that drops it, or a host that is down)` };
}

/** The library's one line: the reason and the fix, in the transport's option names. */
export function connectionFailureMessage(f: ConnectionFailure): string {
  switch (f.kind) {
    case "tls-to-plain":
      return `${f.reason}: use http:// in baseUrl, or the port where it serves https://`;
    case "plain-to-tls":
      return `${f.reason}: if it serves TLS, use https:// in baseUrl`;
    case "certificate":
      return `${f.reason}: pass the CA certificate (PEM) as nodeOptions: { ca }, or start Node with NODE_EXTRA_CA_CERTS=/path/to/ca.pem`;
    case "dns":
      return `${f.reason}: check the host in baseUrl (and the network's DNS)`;
    case "refused":
      return `${f.reason}: check the port in baseUrl and that ZITADEL is running`;
    case "no-answer":
      return `${f.reason}: check the host and port in baseUrl, and that this machine may reach them`;
    case "not-zitadel":
      return `${f.reason}: set baseUrl to the instance's origin, such as https://acme.zitadel.cloud (no path)`;
  }
}

/**
 * The interceptor that replaces a connection failure's error with one that
 * says what to do: same code (Unavailable for failures to connect), the
 * original error as its cause.
 */
export function createConnectionFailureInterceptor(baseUrl: string): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (e) {
      // A token request's failure names the token or discovery URL it went to; it stays as it is.
      if (!(e instanceof ConnectError) || req.signal.aborted || (e as unknown as Record<symbol, unknown>)[tokenFailureKey] === true) throw e;
      const failure = classifyConnectionFailure(e, baseUrl);
      if (failure === undefined) throw e;
      throw explainedConnectionFailure(e, failure, failure.kind === "not-zitadel" ? e.code : Code.Unavailable);
    }
  };
}

/**
 * The error that replaces `error`: the failure's one line (after `prefix`,
 * if given) with code `code`, `error` as its cause, and the failure for
 * connectionFailureOf().
 */
export function explainedConnectionFailure(error: ConnectError, failure: ConnectionFailure, code: Code, prefix = ""): ConnectError {
  const explained = new ConnectError(prefix + connectionFailureMessage(failure), code, error.metadata, undefined, error);
  Object.defineProperty(explained, failureKey, { value: failure, enumerable: false });
  return explained;
}
