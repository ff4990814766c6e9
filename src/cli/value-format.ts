import { v1Limits } from "../index.js";
/** How a value is shown on output and understood on input. */
export type ValueFormat = "text" | "json" | "base64" | "raw";

export const valueFormats: readonly ValueFormat[] = ["text", "json", "base64", "raw"];

/** ZITADEL's limit on a value, in bytes. */
export const maxValueBytes = v1Limits.maxValueBytes;

export type Converted<T> = { ok: true; value: T } | { ok: false; problem: string };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8 = new TextEncoder();

/** The bytes as UTF-8 text, or undefined when they are not valid UTF-8. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * What `get` writes for a value. Text, JSON and base64 end with a newline,
 * as lines do; raw is the stored bytes and nothing else.
 */
export function renderValue(key: string, bytes: Uint8Array, format: ValueFormat): Converted<string | Uint8Array> {
  switch (format) {
    case "raw":
      return { ok: true, value: bytes };
    case "base64":
      return { ok: true, value: `${toBase64(bytes)}\n` };
    case "text": {
      const text = utf8Text(bytes);
      if (text === undefined) return { ok: false, problem: notUtf8(key, bytes) };
      return { ok: true, value: `${text}\n` };
    }
    case "json": {
      const text = utf8Text(bytes);
      if (text === undefined || !isJson(text)) {
        return { ok: false, problem: `the value of "${key}" is not JSON; show it with --format text or --format base64` };
      }
      return { ok: true, value: `${reformatJson(text, "  ")}\n` };
    }
  }
}

export function notUtf8(key: string, bytes: Uint8Array): string {
  return `the value of "${key}" is not UTF-8 text (${bytes.length} bytes); show it with --format base64, or write the bytes as they are with --format raw`;
}

/** Where a value given to `set` came from; text from a file or stdin loses one trailing line break. */
export type ValueSource = "argument" | "file" | "stdin";

/**
 * The bytes `set` stores for what it was given. Text read from a file or
 * stdin drops one trailing line break, which editors and `echo` add and
 * `get` prints, so `get > f` then `set --file f` round-trips; --format raw keeps every byte.
 */
export function parseValueInput(input: Uint8Array, format: ValueFormat, source: ValueSource): Converted<Uint8Array> {
  if (format === "raw") return { ok: true, value: input };
  const text = utf8Text(input);
  if (text === undefined) {
    return {
      ok: false,
      problem: `the value is not UTF-8 text (${input.length} bytes); to store bytes as they are, use --format raw`,
    };
  }
  switch (format) {
    case "text":
      return { ok: true, value: source === "argument" ? input : utf8.encode(text.replace(/\r?\n$/, "")) };
    case "base64": {
      // Line-wrapped base64 (as `base64` prints it) is welcome; whitespace carries nothing.
      const bytes = fromBase64(text.replace(/\s+/g, ""));
      if (bytes === undefined) return { ok: false, problem: "the value is not valid base64 (standard alphabet A-Z a-z 0-9 + /, padding =)" };
      return { ok: true, value: bytes };
    }
    case "json": {
      const trimmed = text.trim();
      if (!isJson(trimmed)) return { ok: false, problem: `the value is not valid JSON: ${jsonProblem(trimmed)}` };
      // Stored as written, not re-serialized: JSON.stringify(JSON.parse(x)) would round large numbers.
      return { ok: true, value: utf8.encode(trimmed) };
    }
  }
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/**
 * Standard base64 (padding optional), or undefined. Stricter than
 * Buffer.from(s, "base64"), which skips characters it does not know and
 * would turn a mangled value into different bytes without a word.
 */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!base64Pattern.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  // Canonical only: "QR==" decodes like "QQ==" but its unused bits are set, a sign of corruption.
  const padded = text.length % 4 === 0 ? text : text + "=".repeat(4 - (text.length % 4));
  if (bytes.toString("base64") !== padded) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isJson(text: string): boolean {
  return jsonProblem(text) === undefined;
}

function jsonProblem(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Re-indents valid JSON text (indent "" makes it one compact line) without
 * parsing values, so numbers beyond double precision print exactly as stored.
 */
export function reformatJson(text: string, indent: string): string {
  const newline = indent === "" ? "" : "\n";
  let out = "";
  let depth = 0;
  let i = 0;
  const nextSignificant = (from: number) => {
    let j = from;
    while (j < text.length && /\s/.test(text[j]!)) j++;
    return text[j];
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      if (nextSignificant(i + 1) === close) {
        out += c + close;
        i = text.indexOf(close, i + 1) + 1;
        continue;
      }
      depth++;
      out += c + newline + indent.repeat(depth);
    } else if (c === "}" || c === "]") {
      depth--;
      out += newline + indent.repeat(depth) + c;
    } else if (c === ",") {
      out += `,${newline}${indent.repeat(depth)}`;
    } else if (c === ":") {
      out += indent === "" ? ":" : ": ";
    } else {
      out += c;
    }
    i++;
  }
  return out;
}

/**
 * One line for a terminal: control characters (line breaks and escape
 * sequences among them) escaped, so a value can neither break the line
 * structure nor drive the terminal. With `backslashes`, a backslash is
 * escaped too, which makes the escaping reversible.
 */
export function escapeForLine(text: string, backslashes = true): string {
  return text.replace(/[\\\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
    switch (c) {
      case "\\":
        return backslashes ? "\\\\" : c;
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      case "\t":
        return "\\t";
      default:
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
    }
  });
}
