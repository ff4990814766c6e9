const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The bytes as text, exactly (a BOM kept), or undefined when they are not UTF-8. */
export function strictUtf8Text(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}
