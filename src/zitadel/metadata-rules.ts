/**
 * The size rules of a metadata entry, the same on ZITADEL v1 and v2: ids
 * and keys 1 to 200 code points, values up to 500000 bytes. v1 refuses an
 * empty value; v2 (since v4.13) takes it as "delete this key". The client
 * refuses it on both, so that set() never deletes.
 */
export const metadataRules = {
  /** Ids and keys: 1 to 200 characters (Unicode code points, "runes"). */
  maxKeyRunes: 200,
  /** Values: 1 to 500000 bytes. */
  maxValueBytes: 500_000,
} as const;

/** Code points, as ZITADEL's validation counts a string's length. */
export function runeLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Why a key (or id) breaks the length rule, or undefined. */
export function keyLengthProblem(key: string): string | undefined {
  const length = runeLength(key);
  return length >= 1 && length <= metadataRules.maxKeyRunes ? undefined : `must be 1 to ${metadataRules.maxKeyRunes} characters, this one has ${length}`;
}

/** Why a value breaks the size rule, or undefined. */
export function valueSizeProblem(value: Uint8Array): string | undefined {
  return value.length >= 1 && value.length <= metadataRules.maxValueBytes
    ? undefined
    : `must be 1 to ${metadataRules.maxValueBytes} bytes, this one has ${value.length}`;
}
