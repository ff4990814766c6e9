import { ConnectError } from "@connectrpc/connect";
import { TextQueryMethod } from "../../gen/zitadel/object_pb.js";
import type { MetadataQuery } from "../../gen/zitadel/metadata_pb.js";
import { runeLength, v1Limits } from "../zitadel/v1/limits.js";
import { invalidArgument } from "./zitadel-error.js";

// ZITADEL validates requests with protoc-gen-validate rules and reports the
// first violation as InvalidArgument, without an ErrorDetail. These helpers
// produce the same messages.

const { maxKeyRunes, maxValueBytes } = v1Limits;
const runes = runeLength;

/** A string field that must hold 1 to 200 characters (ids and keys). */
export function requireIdOrKey(message: string, field: string, value: string): void {
  const n = runes(value);
  if (n < 1 || n > maxKeyRunes) {
    throw invalidArgument(`invalid ${message}.${field}: value length must be between 1 and ${maxKeyRunes} runes, inclusive`);
  }
}

/** A bytes field that must hold 1 to 500000 bytes (metadata values). */
export function requireValue(message: string, field: string, value: Uint8Array): void {
  if (value.length < 1 || value.length > maxValueBytes) {
    throw invalidArgument(`invalid ${message}.${field}: value length must be between 1 and ${maxValueBytes} bytes, inclusive`);
  }
}

/** Repeated entries: the first bad one names its index, like PGV's embedded-message errors. */
export function requireEach<T>(message: string, field: string, items: T[], check: (item: T) => void): void {
  items.forEach((item, i) => {
    try {
      check(item);
    } catch (e) {
      throw embedded(`${message}.${field}[${i}]`, e);
    }
  });
}

/** The nested <Request>.Metadata entries of the bulk set requests: key and value rules per entry. */
export function requireBulkEntries(message: string, entries: { key: string; value: Uint8Array }[]): void {
  requireEach(message, "Metadata", entries, (e) => {
    requireIdOrKey(`${message}_Metadata`, "Key", e.key);
    requireValue(`${message}_Metadata`, "Value", e.value);
  });
}

/** Repeated strings, each 1 to 200 characters. */
export function requireEachKey(message: string, field: string, keys: string[]): void {
  keys.forEach((key, i) => requireIdOrKey(message, `${field}[${i}]`, key));
}

/** MetadataQuery: the oneof is required; key at most 200 characters; a defined method. */
export function requireQueries(message: string, queries: MetadataQuery[]): void {
  requireEach(message, "Queries", queries, (q) => {
    if (q.query.case !== "keyQuery") throw invalidArgument("invalid MetadataQuery.Query: value is required");
    const { key, method } = q.query.value;
    try {
      if (runes(key) > maxKeyRunes) {
        throw invalidArgument(`invalid MetadataKeyQuery.Key: value length must be at most ${maxKeyRunes} runes`);
      }
      if (TextQueryMethod[method] === undefined) {
        throw invalidArgument("invalid MetadataKeyQuery.Method: value must be one of the defined enum values");
      }
    } catch (e) {
      throw embedded("MetadataQuery.KeyQuery", e);
    }
  });
}

/** A check of an embedded (singular) message field, named "<Message>.<Field>" in the error, as PGV does. */
export function requireEmbedded(path: string, check: () => void): void {
  try {
    check();
  } catch (e) {
    throw embedded(path, e);
  }
}

function embedded(path: string, cause: unknown): ConnectError {
  const inner = ConnectError.from(cause).rawMessage;
  return invalidArgument(`invalid ${path}: embedded message failed validation | caused by: ${inner}`);
}
