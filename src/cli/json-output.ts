import type { Details, MetadataEntry } from "../index.js";
import { toBase64, utf8Text } from "./value-format.js";

// What --json prints. Every shape here is documented in the commands' help
// (usage.ts) and README's "CLI" section; a key is added, never renamed or
// dropped, so scripts built on it keep working.

/**
 * An entry as JSON: the value in base64 (it is bytes) and, when those bytes
 * are valid UTF-8, as text too (else text is null), so `jq -r .text` needs
 * no decoding. The details as {@link detailsJson}.
 */
export function entryJson(entry: MetadataEntry): object {
  return {
    key: entry.key,
    value: toBase64(entry.value),
    text: utf8Text(entry.value) ?? null,
    details: detailsJson(entry.details),
  };
}

/**
 * What the server said of an entry or a write: the sequence as a string (it
 * is 64-bit), dates in ISO 8601. The same four keys on both APIs; what the
 * server did not send is null (v2 sends no sequence and no resource owner).
 */
export function detailsJson(details: Details): object {
  const { sequence, creationDate, changeDate, resourceOwner } = details;
  return {
    sequence: sequence?.toString() ?? null,
    creationDate: creationDate?.toISOString() ?? null,
    changeDate: changeDate?.toISOString() ?? null,
    resourceOwner: resourceOwner ?? null,
  };
}
