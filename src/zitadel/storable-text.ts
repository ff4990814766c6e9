/**
 * What keeps a string from reaching ZITADEL exactly as it is, or undefined.
 * ZITADEL keeps text in PostgreSQL, which cannot hold U+0000 (the call
 * fails with Internal and writes nothing); and a lone UTF-16 surrogate is
 * not Unicode at all, so every protocol's UTF-8 encoder would silently send
 * U+FFFD in its place.
 */
export function textProblem(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return `contains U+0000 at position ${i}, which ZITADEL cannot store (PostgreSQL text cannot hold it)`;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      return `contains a lone surrogate (U+${c.toString(16).toUpperCase()}) at position ${i}, which is not Unicode and would arrive as U+FFFD`;
    }
  }
  return undefined;
}

/**
 * The first string field of a request message (at any depth) that cannot
 * reach ZITADEL as it is, with its path such as "metadata[2].key".
 */
export function findUnsendableText(message: unknown, path = ""): { path: string; problem: string } | undefined {
  if (typeof message === "string") {
    const problem = textProblem(message);
    return problem === undefined ? undefined : { path, problem };
  }
  if (message === null || typeof message !== "object" || message instanceof Uint8Array) return undefined;
  if (Array.isArray(message)) {
    for (let i = 0; i < message.length; i++) {
      const found = findUnsendableText(message[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [name, value] of Object.entries(message)) {
    if (name === "$typeName" || name === "case") continue;
    // A oneof is { case, value }: name the member, not "value".
    const memberName = name === "value" && "case" in message ? String((message as { case: unknown }).case) : name;
    const found = findUnsendableText(value, path === "" ? memberName : `${path}.${memberName}`);
    if (found) return found;
  }
  return undefined;
}
