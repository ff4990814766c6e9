import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { RowDetails } from "../zitadel/metadata-port.js";

/**
 * When and by which organization something was written, with real Dates.
 * What an API version does not send is undefined: v2 sends no sequence and
 * no resource owner, and for a write only its time (changeDate).
 */
export interface Details {
  /** Position of the last change in the aggregate's event stream (v1). */
  sequence: bigint | undefined;
  creationDate: Date | undefined;
  changeDate: Date | undefined;
  /** The organization that owns the object (v1). */
  resourceOwner: string | undefined;
}

export function toDetails(details: RowDetails | undefined): Details {
  return {
    sequence: details?.sequence,
    creationDate: details?.creationDate && timestampDate(details.creationDate),
    changeDate: details?.changeDate && timestampDate(details.changeDate),
    resourceOwner: details?.resourceOwner,
  };
}

// ignoreBOM keeps a leading U+FEFF as part of the text: the value is returned exactly.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// Registered, so that an entry read by the ESM copy of this package is recognised by the CommonJS copy and the reverse.
const entryBrand: unique symbol = Symbol.for("zitadel-metadata.entry");

/** Whether a value is a {@link MetadataEntry} (of this or the other module-format copy of the package). */
export function isMetadataEntry(value: unknown): value is MetadataEntry {
  return typeof value === "object" && value !== null && (value as { [entryBrand]?: unknown })[entryBrand] === true;
}

/**
 * One stored key and its value. An entry can be written back as a value
 * (`set`, `setMany`): its bytes are stored exactly, so copying one user's
 * metadata to another is `await b.setMany(await a.list().toObject())`.
 */
export class MetadataEntry {
  readonly key: string;
  /** The stored bytes, exactly. */
  readonly value: Uint8Array;
  readonly details: Details;

  /** From a stored row (any API version's metadata message has this shape). */
  constructor(row: { key: string; value: Uint8Array; details?: RowDetails }) {
    this.key = row.key;
    // A copy: decoded bytes can be views into a large response buffer.
    this.value = row.value.slice();
    this.details = toDetails(row.details);
  }

  /** The brand isMetadataEntry looks for (on the prototype, so entries compare as plain data). */
  get [entryBrand](): true {
    return true;
  }

  /** The value as UTF-8 text; throws if the bytes are not valid UTF-8. */
  text(): string {
    try {
      return strictUtf8.decode(this.value);
    } catch {
      throw new TypeError(`metadata "${this.key}" is not UTF-8 text (${this.value.length} bytes); read .value for the raw bytes.`);
    }
  }

  /** The value parsed as JSON; throws naming the key if it is not JSON. */
  json<T = unknown>(): T {
    const text = this.text();
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new SyntaxError(`metadata "${this.key}" is not JSON: ${(e as Error).message}`);
    }
  }
}
