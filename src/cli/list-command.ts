import type { MetadataEntry } from "../index.js";
import { entryJson } from "./json-output.js";
import type { CliIo } from "./io.js";
import { exitCodes, write } from "./io.js";
import type { ListCommand } from "./metadata-args.js";
import type { Interruption, StopSignal } from "./interrupt.js";
import { signalExitCode, watchInterrupts } from "./interrupt.js";
import { runWithClient } from "./run-with-client.js";
import { describeScope, readScope } from "./scope.js";
import { escapeForLine, reformatJson, toBase64, utf8Text } from "./value-format.js";

/** Characters of a value shown in the default listing. */
const previewLength = 80;

/**
 * `zmeta list`: one line per entry, written as the pages arrive (the list is
 * the high-level API's lazy iterable, so memory stays flat however many
 * entries there are, and a slow reader holds the paging back).
 */
export async function runListCommand(cmd: ListCommand, io: CliIo): Promise<number> {
  const interruption = watchInterrupts();
  try {
    return await listEntries(cmd, io, interruption);
  } finally {
    interruption.stop();
  }
}

function listEntries(cmd: ListCommand, io: CliIo, interruption: Interruption): Promise<number> {
  const { abortSignal } = interruption;
  return runWithClient("list", cmd.connection, io, async (md) => {
    let count = 0;
    let unshown = 0;
    const stopped = (signal: StopSignal) => {
      io.err(`zmeta list: interrupted by ${signal} after ${count} ${count === 1 ? "entry" : "entries"}; the listing is incomplete`);
      return signalExitCode(signal);
    };
    try {
      for await (const entry of readScope(md, cmd.scope).list({ prefix: cmd.prefix, signal: abortSignal })) {
        if (abortSignal.aborted) break;
        count++;
        const line = cmd.json ? JSON.stringify(entryJson(entry)) : entryLine(entry, cmd.format);
        if (typeof line !== "string") {
          unshown++;
          io.err(`zmeta list: ${line.problem}`);
          continue;
        }
        await write(io.stdout, `${line}\n`);
      }
    } catch (e) {
      if (interruption.signal === undefined) throw e;
    }
    if (interruption.signal !== undefined) return stopped(interruption.signal);
    if (count === 0) {
      // Only stderr, so a script still sees an empty listing; but an empty user is ZITADEL's classic trap.
      const what = cmd.prefix === undefined ? "no metadata" : `no metadata with keys starting "${cmd.prefix}"`;
      const hint =
        cmd.scope.kind !== "user"
          ? ""
          : cmd.connection.api === "v1"
            ? " (if you expected some, the user may be in another organization: see --org-id)"
            : " (if you expected some, check the user id: v2 lists nothing for a user that does not exist)";
      io.err(`zmeta list: ${describeScope(cmd.scope, cmd.connection)} has ${what}${hint}`);
    }
    if (unshown > 0) {
      io.err(`zmeta list: ${unshown} of ${count} entries could not be shown as --format ${cmd.format}`);
      return exitCodes.failure;
    }
    return exitCodes.ok;
  });
}

/** "key<TAB>value" with both escaped onto one line, or why the value cannot be shown in the format. */
function entryLine(entry: MetadataEntry, format: ListCommand["format"]): string | { problem: string } {
  const key = escapeForLine(entry.key);
  switch (format) {
    case undefined: {
      const text = utf8Text(entry.value);
      if (text === undefined) return `${key}\t<${entry.value.length} bytes, not UTF-8>`;
      const chars = [...text];
      const preview = chars.length > previewLength ? `${chars.slice(0, previewLength - 1).join("")}…` : text;
      // A preview is lossy anyway; unescaped backslashes keep JSON and paths readable.
      return `${key}\t${escapeForLine(preview, false)}`;
    }
    case "text": {
      const text = utf8Text(entry.value);
      if (text === undefined) return { problem: `"${key}" is not UTF-8 text (${entry.value.length} bytes); list it with --format base64` };
      return `${key}\t${escapeForLine(text)}`;
    }
    case "json": {
      const text = utf8Text(entry.value);
      let compact: string | undefined;
      try {
        if (text !== undefined) {
          JSON.parse(text);
          compact = reformatJson(text, "");
        }
      } catch {
        compact = undefined;
      }
      if (compact === undefined) return { problem: `"${key}" is not JSON; list it with --format text or --format base64` };
      return `${key}\t${compact}`;
    }
    case "base64":
      return `${key}\t${toBase64(entry.value)}`;
  }
}
