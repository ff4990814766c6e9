// Keeps a bearer token that a server or proxy echoed back out of the error a
// call fails with: its message (and so its stack), metadata, details and
// cause, which is everything util.inspect and JSON.stringify show.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema } from "../../gen/zitadel/message_pb.js";
import { redact } from "../core/conceal.js";

/** The ways a token may come back: as sent ("Bearer <token>"), bare, or in a JSON string. */
function forms(token: string): string[] {
  return [`Bearer ${token}`, token];
}

/**
 * The error with every occurrence of the token replaced by "[redacted]";
 * the error itself when it holds none. A non-ConnectError that holds it
 * becomes a ConnectError with the same code connect would give it.
 */
export function withoutSecret(error: unknown, token: string): unknown {
  if (token.length < 4) return error;
  const secrets = forms(token);
  if (!(error instanceof ConnectError)) {
    if (!(error instanceof Error) || !holds(error, token)) return error;
    const converted = ConnectError.from(error);
    return new ConnectError(redact(converted.rawMessage, secrets), converted.code);
  }
  if (!holds(error, token)) return error;
  const metadata = new Headers();
  error.metadata.forEach((value, key) => metadata.append(key, redact(value, secrets)));
  const copy = new ConnectError(redact(error.rawMessage, secrets), error.code, metadata, undefined, redactedCause(error.cause, token));
  for (const detail of error.details) {
    const cleaned = redactDetail(detail, token);
    if (cleaned !== undefined) copy.details.push(cleaned);
  }
  // Our markers (the REST transport's HTTP status, the token-failure flag) stay.
  for (const symbol of Object.getOwnPropertySymbols(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, symbol);
    if (descriptor !== undefined && !Object.hasOwn(copy, symbol)) Object.defineProperty(copy, symbol, descriptor);
  }
  return copy;
}

type Detail = ConnectError["details"][number];

/** A detail as read from the wire, with the token gone; undefined when it cannot be cleaned (then it is dropped). */
function redactDetail(detail: Detail, token: string): Detail | undefined {
  if (!("value" in detail) || !(detail.value instanceof Uint8Array) || !("type" in detail)) return detail;
  const incoming = detail as { type: string; value: Uint8Array; debug?: unknown };
  const debugHolds = incoming.debug !== undefined && JSON.stringify(incoming.debug)?.includes(token) === true;
  if (!bytesHold(incoming.value, token) && !debugHolds) return detail;
  if (incoming.type !== ErrorDetailSchema.typeName) return undefined;
  try {
    const parsed = fromBinary(ErrorDetailSchema, incoming.value);
    parsed.id = redact(parsed.id, forms(token));
    parsed.message = redact(parsed.message, forms(token));
    return { type: incoming.type, value: toBinary(ErrorDetailSchema, parsed), debug: { id: parsed.id, message: parsed.message } } as Detail;
  } catch {
    return undefined;
  }
}

/** The cause, when it holds no token; else a plain error with its message redacted (its own cause dropped). */
function redactedCause(cause: unknown, token: string): unknown {
  if (cause === undefined || cause === null) return cause;
  if (!holds(cause, token)) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  const replaced = new Error(redact(message, forms(token)));
  if (cause instanceof Error) replaced.name = cause.name;
  return replaced;
}

/** Whether the value (an error with its message, stack, metadata, details and causes) mentions the token anywhere. */
function holds(value: unknown, token: string, seen = new Set<unknown>()): boolean {
  if (value === null || value === undefined || seen.has(value)) return false;
  seen.add(value);
  if (typeof value === "string") return value.includes(token);
  if (value instanceof Uint8Array) return bytesHold(value, token);
  if (typeof value !== "object") return false;
  if (value instanceof Headers) {
    let found = false;
    value.forEach((v) => {
      if (v.includes(token)) found = true;
    });
    return found;
  }
  if (value instanceof Error) {
    if (value.message.includes(token) || (value.stack ?? "").includes(token)) return true;
    if (value instanceof ConnectError) {
      if (holds(value.metadata, token, seen)) return true;
      for (const detail of value.details) if (holds(detail, token, seen)) return true;
    }
    if (holds(value.cause, token, seen)) return true;
  }
  for (const key of Object.keys(value)) {
    if (holds((value as Record<string, unknown>)[key], token, seen)) return true;
  }
  return false;
}

function bytesHold(bytes: Uint8Array, token: string): boolean {
  const needle = new TextEncoder().encode(token);
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
