const inspectCustom = Symbol.for("nodejs.util.inspect.custom");

/**
 * Makes `JSON.stringify` and Node's `util.inspect` show `label` instead of
 * the object, so a token source holding a secret can be logged safely.
 */
export function conceal<T extends object>(target: T, label: string): T {
  return Object.defineProperties(target, {
    toJSON: { value: () => label },
    [inspectCustom]: { value: () => label },
  });
}

/**
 * Replaces every occurrence of the secrets in text a server sent back (an
 * error_description may echo what it was given). Secrets shorter than four
 * characters are left alone: replacing them would mangle ordinary words.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}
