import { Code, ConnectError } from "@connectrpc/connect";
import { strictUtf8Text } from "./strict-utf8.js";

// ZITADEL's gateway reads a JSON body with protojson, which takes strings
// only as valid UTF-8 and \u escapes only as whole surrogate pairs. Decoding
// leniently would store U+FFFD (or a lone surrogate) where ZITADEL refuses
// the request, so the body is decoded strictly and checked here.

/** JSON's whitespace; a byte-order mark is not, in Go's decoder as in JSON.parse. */
const jsonSpace = /^[ \t\n\r]*|[ \t\n\r]*$/g;

/**
 * The request body as JSON text without surrounding whitespace ("" for an
 * empty body). Throws InvalidArgument, as the gateway does, when a string
 * in it holds bytes that are not UTF-8 or a \u escape of half a surrogate
 * pair. The message has protojson's form, e.g. `proto: syntax error (line
 * 1:9): invalid UTF-8 in string`, positioned (line:column, in characters)
 * at the string's opening quote; protobuf-go sometimes writes a no-break
 * space after "proto:", so no client should match on the text.
 */
export function jsonBodyText(body: Uint8Array): string {
  let start = 0;
  while (start < body.length && isJsonSpace(body[start]!)) start++;
  // Go's decoder hands protojson the value without the leading whitespace: positions count from there.
  const value = body.subarray(start);
  const text = strictUtf8Text(value);
  if (text === undefined) {
    const bad = firstInvalidUtf8(value);
    const before = strictUtf8Text(value.subarray(0, bad))!;
    const quote = scanStrings(before);
    if (quote < 0) {
      throw invalid(`invalid JSON in the request body: a byte that is not UTF-8 outside a string (${position(before, before.length)})`);
    }
    throw invalid(`proto: syntax error (${position(before, quote)}): invalid UTF-8 in string`);
  }
  scanStrings(text);
  return text.replace(jsonSpace, "");
}

function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/**
 * Walks the JSON text, checking each \u escape inside a string as protojson
 * does. Returns the index of the opening quote of a string still open at
 * the end of the text, or -1.
 */
function scanStrings(text: string): number {
  let quote = -1;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote < 0) {
      if (char === '"') quote = i;
    } else if (char === '"') {
      quote = -1;
    } else if (char === "\\") {
      i = text[i + 1] === "u" ? endOfUnicodeEscape(text, i, quote) : i + 1;
    }
  }
  return quote;
}

/**
 * The index of the last character of the \u escape at `i` (and of the low
 * half that must follow a surrogate). A surrogate is read together with the
 * next six characters, which must be a \u escape completing the pair.
 * Malformed hex is left to JSON.parse, which refuses it too.
 */
function endOfUnicodeEscape(text: string, i: number, quote: number): number {
  const first = hex4(text, i + 2);
  if (first === undefined) return i + 1;
  if (first < 0xd800 || first > 0xdfff) return i + 5;
  const next = text.slice(i + 6, i + 12);
  if (next.length < 6) throw invalid("proto: unexpected EOF");
  const second = next.startsWith("\\u") ? hex4(text, i + 8) : undefined;
  if (first > 0xdbff || second === undefined || second < 0xdc00 || second > 0xdfff) {
    throw invalid(`proto: syntax error (${position(text, quote)}): invalid escape code ${JSON.stringify(next)} in string`);
  }
  return i + 11;
}

function hex4(text: string, at: number): number | undefined {
  const digits = text.slice(at, at + 4);
  return /^[0-9A-Fa-f]{4}$/.test(digits) ? Number.parseInt(digits, 16) : undefined;
}

/** "line L:C" for an index, as protobuf-go counts: lines from 1, columns in characters from 1. */
function position(text: string, index: number): string {
  const before = text.slice(0, index);
  const line = before.split("\n").length;
  const column = [...before.slice(before.lastIndexOf("\n") + 1)].length + 1;
  return `line ${line}:${column}`;
}

/** The offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead < 0x80) length = 1;
    else if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0; // no overlong forms
      if (lead === 0xed) high = 0x9f; // no surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f; // nothing above U+10FFFF
    } else return i;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      const min = k === 1 ? low : 0x80;
      const max = k === 1 ? high : 0xbf;
      if (next === undefined || next < min || next > max) return i;
    }
    i += length;
  }
  return bytes.length;
}

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}
