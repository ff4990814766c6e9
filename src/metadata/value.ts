// Registered, so that json() of the ESM copy of this package is recognised by the CommonJS copy and the reverse.
const jsonBrand: unique symbol = Symbol.for("zitadel-metadata.json");

/** A value to be stored as JSON text; create it with {@link json}. */
export interface JsonMetadataValue {
  readonly [jsonBrand]: true;
  readonly value: unknown;
}

/**
 * What a metadata value can be given as: a string (stored as UTF-8), raw
 * bytes (stored as they are), or `json(x)` (stored as UTF-8 JSON text).
 * Never base64-encode a value yourself: the REST transport does that on the
 * wire and decodes it again, so you would store base64 text.
 */
export type MetadataValue = string | Uint8Array | JsonMetadataValue;

/** Marks a value to be stored as JSON text: `md.user(id).set("prefs", json({ theme: "dark" }))`. */
export function json(value: unknown): JsonMetadataValue {
  return { [jsonBrand]: true, value };
}

const utf8 = new TextEncoder();

/** The bytes ZITADEL will store for a value; throws a TypeError naming the key for anything else. */
export function encodeValue(key: string, value: MetadataValue): Uint8Array {
  if (typeof value === "string") return utf8.encode(value);
  if (value instanceof Uint8Array) return value;
  if (value !== null && typeof value === "object" && jsonBrand in value) {
    const text = JSON.stringify(value.value);
    if (text === undefined) {
      throw new TypeError(`metadata "${key}": json() got a value JSON cannot represent (undefined, a function or a symbol).`);
    }
    return utf8.encode(text);
  }
  throw new TypeError(
    `metadata "${key}": expected a string, a Uint8Array or json(value), got ${value === null ? "null" : typeof value}. ` +
      "Wrap objects and numbers in json(...).",
  );
}
