/** The size rules of ZITADEL's v1 metadata API, in one place for the client, the emulator and the CLI. */
export const v1Limits = {
  /** Ids and keys: 1 to 200 characters (Unicode code points, "runes"). */
  maxKeyRunes: 200,
  /** Values: 1 to 500000 bytes. */
  maxValueBytes: 500_000,
  /** The largest request message ZITADEL's gRPC server takes (grpc-go's default). */
  maxRequestBytes: 4 * 1024 * 1024,
  /** The largest response message it sends; a bigger answer (a huge `limit: 0` list) fails. */
  maxResponseBytes: 10 * 1024 * 1024,
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
  return length >= 1 && length <= v1Limits.maxKeyRunes ? undefined : `must be 1 to ${v1Limits.maxKeyRunes} characters, this one has ${length}`;
}

/** Why a value breaks the size rule, or undefined. */
export function valueSizeProblem(value: Uint8Array): string | undefined {
  return value.length >= 1 && value.length <= v1Limits.maxValueBytes
    ? undefined
    : `must be 1 to ${v1Limits.maxValueBytes} bytes, this one has ${value.length}`;
}
