import { open } from "node:fs/promises";
import type { Details } from "../index.js";
import type { CliIo } from "./io.js";
import { detailsJson } from "./json-output.js";
import { exitCodes, readAll, write } from "./io.js";
import type { SetCommand } from "./metadata-args.js";
import { runWithClient } from "./run-with-client.js";
import { describeScope, writeScope } from "./scope.js";
import type { ValueSource } from "./value-format.js";
import { maxValueBytes, parseValueInput } from "./value-format.js";

/** Most bytes read as input: a value at the limit, base64-encoded and line-wrapped, fits with room to spare. */
const maxInputBytes = 1024 * 1024;

/**
 * `zmeta set`: stores one value, given as an argument, with --file, or on
 * stdin. The input is read and checked before anything is sent, so bad input
 * exits 2 having written nothing. The confirmation goes to stderr, never the
 * value; with --json also a JSON object to stdout (key, size, the server's details).
 */
export async function runSetCommand(cmd: SetCommand, io: CliIo): Promise<number> {
  const input = await readInput(cmd, io);
  if (!input.ok) {
    io.err(`zmeta set: ${input.problem}`);
    return exitCodes.usage;
  }
  const value = parseValueInput(input.bytes, cmd.format, input.source);
  if (!value.ok) {
    io.err(`zmeta set: ${value.problem}`);
    return exitCodes.usage;
  }
  const size = value.value.length;
  if (size < 1 || size > maxValueBytes) {
    io.err(`zmeta set: the value has ${size} bytes; ZITADEL stores 1 to ${maxValueBytes}${size === 0 ? ` (to delete "${cmd.key}", use zmeta rm)` : ""}`);
    return exitCodes.usage;
  }
  return runWithClient("set", cmd.connection, io, async (md) => {
    const { details } = await writeScope(md, cmd.scope).set(cmd.key, value.value);
    io.err(`zmeta set: "${cmd.key}" on ${describeScope(cmd.scope, cmd.connection)}: ${size} ${size === 1 ? "byte" : "bytes"}${writeFacts(details)}`);
    // The value itself is never echoed, as in the line above: it may be a secret.
    if (cmd.json) await write(io.stdout, `${JSON.stringify({ key: cmd.key, bytes: size, details: detailsJson(details) })}\n`);
    return exitCodes.ok;
  });
}

/**
 * What the server said about the write, as far as it said it: v1 gives a
 * sequence (and its details a change date where ZITADEL fills one), v2 only
 * a date (set_date; on a Set that changed nothing, the last earlier change
 * of that user's or organization's metadata).
 */
function writeFacts(details: Details): string {
  const facts = [
    details.sequence === undefined ? undefined : `sequence ${details.sequence}`,
    details.changeDate === undefined ? undefined : `change date ${details.changeDate.toISOString()}`,
  ].filter((f) => f !== undefined);
  return facts.length === 0 ? "" : ` (${facts.join(", ")})`;
}

type Input = { ok: true; bytes: Uint8Array; source: ValueSource } | { ok: false; problem: string };

async function readInput(cmd: SetCommand, io: CliIo): Promise<Input> {
  switch (cmd.input.kind) {
    case "argument":
      return { ok: true, bytes: new TextEncoder().encode(cmd.input.text), source: "argument" };
    case "file": {
      const path = cmd.input.path;
      try {
        const handle = await open(path, "r");
        try {
          // Checked before reading, so pointing --file at a disk image fails at once.
          if ((await handle.stat()).size > maxInputBytes) return { ok: false, problem: tooLarge(`--file "${path}"`) };
          return { ok: true, bytes: await handle.readFile(), source: "file" };
        } finally {
          await handle.close();
        }
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why =
          code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (e as Error).message;
        return { ok: false, problem: `cannot read --file "${path}": ${why}` };
      }
    }
    case "stdin": {
      if (io.stdinIsTTY) {
        return {
          ok: false,
          problem: `give the VALUE as an argument, with --file PATH, or on stdin (e.g. "echo pro | zmeta set --user ID plan") (see "zmeta set --help")`,
        };
      }
      const bytes = await readAll(io.stdin, maxInputBytes);
      return bytes === undefined ? { ok: false, problem: tooLarge("stdin") } : { ok: true, bytes, source: "stdin" };
    }
  }
}

function tooLarge(what: string): string {
  return `${what} holds more than ${maxInputBytes} bytes; ZITADEL stores values of at most ${maxValueBytes} bytes`;
}
