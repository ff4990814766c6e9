/** One line of input, numbered from 1, or why it cannot be read as text. */
export type InputLine = { number: number; text: string } | { number: number; problem: string };

// ignoreBOM keeps a leading U+FEFF in the text: only the caller knows that a
// BOM before the first line is an encoding mark; anywhere else it is content.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Splits a byte stream into lines (LF or CRLF) without ever holding more
 * than one line: a line longer than maxLineBytes is reported, not kept.
 * Each line is decoded as strict UTF-8, so a corrupt byte is a reported
 * problem rather than a silent U+FFFD in a key.
 */
export async function* readLines(stream: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<InputLine> {
  let pieces: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let number = 0;
  const take = (): InputLine => {
    number++;
    const line = Buffer.concat(pieces, size);
    const result: InputLine = tooLong
      ? { number, problem: `longer than ${maxLineBytes} bytes` }
      : decode(number, line[line.length - 1] === 0x0d ? line.subarray(0, -1) : line);
    pieces = [];
    size = 0;
    tooLong = false;
    return result;
  };
  for await (const chunk of stream) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (;;) {
      const newline = buffer.indexOf(0x0a, start);
      const part = buffer.subarray(start, newline === -1 ? buffer.length : newline);
      if (!tooLong) {
        if (size + part.length > maxLineBytes) {
          tooLong = true;
          pieces = [];
          size = 0;
        } else {
          pieces.push(part);
          size += part.length;
        }
      }
      if (newline === -1) break;
      yield take();
      start = newline + 1;
    }
  }
  if (size > 0 || tooLong) yield take();
}

function decode(number: number, bytes: Buffer): InputLine {
  try {
    return { number, text: strictUtf8.decode(bytes) };
  } catch {
    return { number, problem: "not valid UTF-8 text" };
  }
}
