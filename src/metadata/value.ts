import type { MetadataEntry } from "./entry.js";
import { isMetadataEntry } from "./entry.js";

// Registered, so that json() of the ESM copy of this package is recognised by the CommonJS copy and the reverse.
const jsonBrand: unique symbol = Symbol.for("zitadel-metadata.json");

/** A value to be stored as JSON text; create it with {@link json}. */
export interface JsonMetadataValue {
  /**
   * Always true: the registered brand (`Symbol.for("zitadel-metadata.json")`)
   * by which a write recognises a json() value, one made by the other
   * module-format copy of the package too.
   */
  readonly [jsonBrand]: true;
  /**
   * The value given to json(). It becomes JSON text (UTF-8) when it is
   * written, before any request is sent; a BigInt, a cycle, a function or a
   * symbol in it, or a top-level undefined, then throws a TypeError naming the key.
   */
  readonly value: unknown;
}

/**
 * What a metadata value can be given as: a string (stored as UTF-8), raw
 * bytes (stored as they are), `json(x)` (stored as UTF-8 JSON text), or a
 * {@link MetadataEntry} read from any user or organization (its bytes are
 * stored exactly; its own key is not used).
 * Never base64-encode a value yourself: the REST transport does that on the
 * wire and decodes it again, so you would store base64 text.
 */
export type MetadataValue = string | Uint8Array | JsonMetadataValue | MetadataEntry;

/** Marks a value to be stored as JSON text: `md.user(id).set("prefs", json({ theme: "dark" }))`. */
export function json(value: unknown): JsonMetadataValue {
  return { [jsonBrand]: true, value };
}

const utf8 = new TextEncoder();

/** The bytes ZITADEL will store for a value; throws a TypeError naming the key for anything else. */
export function encodeValue(key: string, value: MetadataValue): Uint8Array {
  if (typeof value === "string") return utf8.encode(value);
  if (value instanceof Uint8Array) return value;
  if (isMetadataEntry(value)) return value.value;
  if (value !== null && typeof value === "object" && jsonBrand in value) {
    return utf8.encode(jsonText(key, value.value));
  }
  throw new TypeError(
    `metadata "${key}": expected a string, a Uint8Array, json(value) or an entry from get()/list(), got ${value === null ? "null" : typeof value}. ` +
      "Wrap objects and numbers in json(...).",
  );
}

/** JSON text for json(value), or a TypeError naming the key, where in the value the problem is, and the fix. */
function jsonText(key: string, value: unknown): string {
  let text: string | undefined;
  try {
    // A function or symbol inside an object would silently vanish (in an array: become null); say so instead.
    text = JSON.stringify(value, function (this: unknown, name: string, inner: unknown) {
      if (typeof inner === "function" || typeof inner === "symbol") {
        throw new TypeError(`json() got a ${typeof inner} at ${where(name)}, which JSON cannot represent; leave it out or convert it first`);
      }
      return inner;
    });
  } catch (e) {
    const message = (e as Error).message;
    const problem = /BigInt/i.test(message)
      ? "json() got a BigInt, which JSON cannot represent; convert it first, e.g. String(n) or Number(n)"
      : /circular|cyclic/i.test(message)
        ? "json() got a value that contains itself (a cycle), which JSON cannot represent; pass a copy without the back-reference"
        : message;
    throw new TypeError(`metadata "${key}": ${problem}.`);
  }
  if (text === undefined) {
    throw new TypeError(`metadata "${key}": json() got a value JSON cannot represent (undefined, a function or a symbol); pass null or an object instead.`);
  }
  return text;
  function where(name: string): string {
    return name === "" ? "the top level" : `property ${JSON.stringify(name)}`;
  }
}
