// The request target as ZITADEL's Go HTTP server reads and writes it
// (net/url): the path is percent-decoded as a whole before any router sees
// it, and a redirect's Location is the path escaped again. Decoded paths are
// byte strings, one character per byte (as latin1), because "%FF" decodes to
// a byte that is not a character; what they hold as text is decided later,
// per field.

export interface RequestTarget {
  /** The percent-decoded path, one character per byte. */
  path: string;
  /** Everything after the first "?", undecoded; undefined when there is no "?". */
  rawQuery: string | undefined;
}

/**
 * Reads a request target (`req.url`) as Go's url.ParseRequestURI does.
 * Returns undefined where Go's server refuses the request line with 400
 * before any handler runs: a control character anywhere, a target that is
 * not a path (absolute-form targets are not accepted here), or a "%" that is
 * not followed by two hex digits. "+" stays "+": only query strings read it
 * as a space.
 */
export function parseRequestTarget(target: string): RequestTarget | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(target)) return undefined;
  const question = target.indexOf("?");
  const rawPath = question < 0 ? target : target.slice(0, question);
  const rawQuery = question < 0 ? undefined : target.slice(question + 1);
  if (!rawPath.startsWith("/") && rawPath !== "*") return undefined;
  const path = unescapePath(byteString(rawPath));
  return path === undefined ? undefined : { path, rawQuery };
}

/**
 * Escapes a decoded path for a Location header as Go's URL.EscapedPath()
 * does: every byte except letters, digits and - _ . ~ $ & + , / : ; = @
 * becomes %XX with upper-case hex.
 */
export function escapePath(path: string): string {
  let out = "";
  for (const char of path) {
    out += /^[A-Za-z0-9\-_.~$&+,/:;=@]$/.test(char) ? char : `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Decodes every %XX; undefined when a "%" is not followed by two hex digits. */
function unescapePath(raw: string): string | undefined {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i]!;
    if (char !== "%") {
      out += char;
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    out += String.fromCharCode(Number.parseInt(hex, 16));
    i += 2;
  }
  return out;
}

/**
 * The target's bytes. Node's HTTP/1.1 parser refuses raw bytes above 0x7F
 * in a target and its HTTP/2 server hands each byte of :path over as one
 * latin1 character, so a string of such characters already is its bytes;
 * anything wider is taken as text and encoded as UTF-8.
 */
function byteString(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\u0000-\u00ff]*$/.test(text) ? text : Buffer.from(text, "utf8").toString("latin1");
}
