import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Metadata } from "../../gen/zitadel/metadata_pb.js";
import type { ObjectDetails } from "../../gen/zitadel/object_pb.js";

/** When and by which organization something was written, with real Dates. */
export interface Details {
  /** Position of the last change in the instance's event stream. */
  sequence: bigint;
  creationDate: Date | undefined;
  changeDate: Date | undefined;
  /** The organization that owns the object. */
  resourceOwner: string;
}

export function toDetails(details: ObjectDetails | undefined): Details {
  return {
    sequence: details?.sequence ?? 0n,
    creationDate: details?.creationDate && timestampDate(details.creationDate),
    changeDate: details?.changeDate && timestampDate(details.changeDate),
    resourceOwner: details?.resourceOwner ?? "",
  };
}

// ignoreBOM keeps a leading U+FEFF as part of the text: the value is returned exactly.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** One stored key and its value. */
export class MetadataEntry {
  readonly key: string;
  /** The stored bytes, exactly. */
  readonly value: Uint8Array;
  readonly details: Details;

  constructor(metadata: Metadata) {
    this.key = metadata.key;
    // A copy: decoded bytes can be views into a large response buffer.
    this.value = metadata.value.slice();
    this.details = toDetails(metadata.details);
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
