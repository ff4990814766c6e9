import type { MetadataClient } from "../index.js";
import type { ConnectionSettings } from "./connection-args.js";
import type { CliIo } from "./io.js";
import { exitCodes } from "./io.js";
import { openMetadataClient } from "./open-client.js";
import { redact, reportFailure } from "./report-error.js";

/**
 * Opens the metadata client for a command and runs it. A setting that cannot
 * work (an unreadable key file) exits 2 before any call; a failed call is
 * one line on stderr and exit 1.
 */
export async function runWithClient(
  command: string,
  connection: ConnectionSettings,
  io: CliIo,
  body: (md: MetadataClient) => Promise<number>,
): Promise<number> {
  const opened = await openMetadataClient(connection);
  if (!opened.ok) {
    io.err(redact(`zmeta ${command}: ${opened.problem}`, connection));
    return exitCodes.usage;
  }
  try {
    return await body(opened.md);
  } catch (e) {
    return reportFailure(command, e, connection, (line) => io.err(line));
  }
}
