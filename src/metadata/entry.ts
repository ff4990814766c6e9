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
  /**
   * For a row: when the key was first stored. For a write: the time of a v1
   * set() (SetUserMetadata, SetOrgMetadata), which ZITADEL reports here and
   * not as changeDate; undefined for every other write.
   */
  creationDate: Date | undefined;
  /**
   * For a row: when the key's value last changed. For a write: its time on
   * v1 bulk sets and removes and on every v2 write (set_date,
   * deletion_date); undefined for a v1 set().
   */
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
  /** The key, as stored: 1 to 200 runes. */
  readonly key: string;
  /** The stored bytes, exactly. */
  readonly value: Uint8Array;
  /** When the row was created and last changed; on v1 also its sequence and resource owner (see {@link Details}). */
  readonly details: Details;

  /** From a stored row (any API version's metadata message has this shape). */
  constructor(row: {
    /** The key, as {@link MetadataEntry.key}. */
    key: string;
    /** The stored bytes; the entry keeps a copy (decoded bytes can be views into a large response buffer). */
    value: Uint8Array;
    /** The row's details as the API version sent them (protobuf Timestamps); omitted: every field of {@link MetadataEntry.details} is undefined. */
    details?: RowDetails;
  }) {
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
