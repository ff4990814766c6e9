import { Code, ConnectError } from "@connectrpc/connect";
import type { ErrorDetail } from "../../gen/zitadel/message_pb.js";
import { ErrorDetailSchema } from "../../gen/zitadel/message_pb.js";
import type { ErrorFact, ErrorKind, Remedy } from "./error-fact.js";
import { errorFact } from "./versions.js";

/**
 * The zitadel.v1.ErrorDetail ZITADEL attaches to its errors ({ id, message }),
 * or undefined when the error carries none (e.g. "auth header missing" or a
 * validation error).
 */
export function getErrorDetail(error: unknown): ErrorDetail | undefined {
  const source = error instanceof ZitadelError ? error.cause : error;
  if (!(source instanceof ConnectError)) return undefined;
  return source.findDetails(ErrorDetailSchema)[0];
}

/**
 * One error shape on every protocol: the gRPC code, ZITADEL's error id, its
 * message, and the HTTP status when the call went over REST. The original
 * ConnectError is its `cause`. The high-level API throws only these.
 */
export class ZitadelError extends Error {
  /** "ZitadelError", which stack traces and logs show; test with `instanceof ZitadelError` (it holds across package copies). */
  override name = "ZitadelError";
  /**
   * The gRPC status code (connect's Code enum) the server meant. ZITADEL
   * v4.11–v4.13.1 send validation failures and "auth header missing" as
   * Unknown with the real code inside the message ("rpc error: code =
   * InvalidArgument desc = …"); this is that real code. See `wireCode`.
   */
  readonly code: Code;
  /** The code as it arrived on the wire (differs from `code` only for the error-conversion bug above). */
  readonly wireCode: Code;
  /** ZITADEL's stable error id, e.g. QUERY-Rgh32; undefined when the error carries none (or an empty one). */
  readonly id: string | undefined;
  /** The server's message, e.g. "Metadata not found (QUERY-Rgh32)"; its text may be translated, so test `id` and `code`, never the text. */
  readonly rawMessage: string;
  /** What the error catalogue knows about `id` (meaning, kind, usual remedy); undefined for an id it does not know. */
  readonly fact: ErrorFact | undefined;
  /** The HTTP status of a REST response; undefined for gRPC, gRPC-web and Connect. */
  readonly httpStatus: number | undefined;
  /** Response headers and trailers that came with the error. */
  readonly metadata: Headers;
  /**
   * The error as connect saw it (ConnectError.from of what was thrown): the
   * server's own error with its details, or connect's wrapping of an abort,
   * a deadline or a network failure.
   */
  override readonly cause: ConnectError;

  /**
   * `instanceof ZitadelError` holds for a ZitadelError of the other copy of
   * this package too (an app that loads both the ESM and the CommonJS build),
   * by a registered brand rather than the prototype chain alone.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === ZitadelError && typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[zitadelErrorBrand] === true;
  }

  private constructor(source: ConnectError, hint: string | undefined) {
    const code = realCode(source);
    const codeName = (Code[code] ?? "unknown").replace(/[A-Z]/g, (c, i: number) => (i ? "_" : "") + c.toLowerCase());
    super(`[${codeName}] ${source.rawMessage}${hint ? ` — ${hint}` : ""}`, { cause: source });
    this.code = code;
    this.wireCode = source.code;
    this.id = getErrorDetail(source)?.id || undefined;
    this.fact = errorFact(this.id);
    this.rawMessage = source.rawMessage;
    this.httpStatus = httpStatusOf(source);
    this.metadata = source.metadata;
    this.cause = source;
    Object.defineProperty(this, zitadelErrorBrand, { value: true });
  }

  /** Wraps any error (a ConnectError, an abort, a network failure) without losing its details. */
  static from(reason: unknown): ZitadelError {
    if (reason instanceof ZitadelError) return reason;
    const source = ConnectError.from(reason);
    const remedy = errorFact(getErrorDetail(source)?.id || undefined)?.remedy;
    return new ZitadelError(source, remedy === undefined ? undefined : remedyHints[remedy]);
  }
}

/** Marks a ZitadelError of any copy of this package. */
const zitadelErrorBrand = Symbol.for("zitadel-metadata.ZitadelError");

/** Set by the interceptor on the errors of a token source (the OAuth endpoint, a key file). @private */
export const tokenFailureKey = Symbol.for("zitadel-metadata.tokenFailure");

/** The call failed before it was sent, because no access token could be obtained. */
export function isTokenFailure(error: unknown): boolean {
  const source = error instanceof ZitadelError ? error.cause : error;
  return source instanceof ConnectError && (source as unknown as Record<symbol, unknown>)[tokenFailureKey] === true;
}

/** Set by the REST transport on the errors it creates. @private */
export const httpStatusKey = Symbol.for("zitadel-metadata.httpStatus");

function httpStatusOf(error: ConnectError): number | undefined {
  const value = (error as unknown as Record<symbol, unknown>)[httpStatusKey];
  return typeof value === "number" ? value : undefined;
}

/** The library's words for a remedy, appended to a ZitadelError's message; the CLI has its own (with flags). */
const remedyHints: Partial<Record<Remedy, string>> = {
  // The most common cause by far of COMMAND-uXHNj: the user lives in another organization.
  actInUsersOrg: "if the user belongs to another organization, pass its id as orgId (sent as x-zitadel-orgid)",
};

/** "rpc error: code = InvalidArgument desc = …": Go's rendering of a status, as the error-conversion bug sends it. */
const goStatusText = /^rpc error: code = ([A-Za-z]+) desc = /;

/**
 * The code the server meant: the wire code, except for ZITADEL
 * v4.11–v4.13.1's error-conversion bug, which sends Unknown with the real
 * code in the message.
 */
function realCode(error: ConnectError): Code {
  if (error.code !== Code.Unknown) return error.code;
  const name = goStatusText.exec(error.rawMessage)?.[1];
  const code = name === undefined ? undefined : (Code as unknown as Record<string, Code | undefined>)[name];
  return typeof code === "number" ? code : error.code;
}

function kindOf(error: unknown): ErrorKind | undefined {
  const id = error instanceof ZitadelError ? error.id : getErrorDetail(error)?.id || undefined;
  const fact = errorFact(id);
  // An id counts only with its own code: a NotFound QUERY-Rgh32, never a relayed or reshaped one.
  return fact !== undefined && fact.code === codeOf(error) ? fact.kind : undefined;
}

function codeOf(error: unknown): Code | undefined {
  if (error instanceof ZitadelError) return error.code;
  return error instanceof ConnectError ? realCode(error) : undefined;
}

/** The key (or, for bulk removes, one of the keys) does not exist. Not every NotFound means this. */
export function isMetadataNotFound(error: unknown): boolean {
  return kindOf(error) === "metadataNotFound";
}

/**
 * The user does not exist in the context organization (COMMAND-uXHNj). Usually
 * the user belongs to another organization and the call lacks x-zitadel-orgid.
 */
export function isUserNotFound(error: unknown): boolean {
  return kindOf(error) === "userNotFound";
}

/**
 * The caller may not do this in the context organization: no matching
 * permission (AUTH-5mWD2), no membership there at all (AUTHZ-cdgFk, which
 * ZITADEL sends as NotFound), or an organization header naming an unknown org.
 */
export function isPermissionDenied(error: unknown): boolean {
  return codeOf(error) === Code.PermissionDenied || kindOf(error) === "membershipNotFound";
}

/** The token is missing, malformed, unknown or expired. */
export function isUnauthenticated(error: unknown): boolean {
  return codeOf(error) === Code.Unauthenticated;
}
