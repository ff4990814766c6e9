import { ZitadelConfigError } from "./config-error.js";

/**
 * Throws when a value is not usable as a bearer token or an org id header
 * value: empty, or holding anything but visible ASCII (a CR or LF would split
 * the header, a space or control character would corrupt it). The message
 * names the option and the problem, never the value, because it may be a secret.
 */
export function assertHeaderSafe(value: unknown, option: string, what: "token" | "organization id"): asserts value is string {
  if (typeof value !== "string") {
    throw headerValueError(option, `expected the ${what} as a string, got ${value === null ? "null" : typeof value}.`);
  }
  if (value.length === 0) throw headerValueError(option, `the ${what} is empty.`);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x21 && c <= 0x7e) continue;
    const problem =
      c === 0x0d || c === 0x0a
        ? "a line break (CR or LF)"
        : c === 0x20
          ? "a space"
          : c < 0x20 || c === 0x7f
            ? `a control character (U+${c.toString(16).padStart(4, "0").toUpperCase()})`
            : "a non-ASCII character";
    const hint =
      what === "token"
        ? value.startsWith("Bearer ")
          ? ' Pass the token without the "Bearer " prefix; it is added for you.'
          : " Trim the token (e.g. the newline at the end of a file or an environment variable)."
        : ` ZITADEL ${what}s are decimal strings such as 69629023906488334.`;
    throw headerValueError(option, `the ${what} contains ${problem} at position ${i}; it cannot be sent as a header.${hint}`);
  }
}

/** `label` names the option or argument as the message shows it, e.g. 'option "orgId"' or "withOrgId(orgId)". */
function headerValueError(label: string, problem: string): ZitadelConfigError {
  const option = /"(\w+)"/.exec(label)?.[1] ?? /\((\w+)\)$/.exec(label)?.[1];
  return new ZitadelConfigError({ code: "ERR_INVALID_OPTION", option, entry: label, problem });
}
