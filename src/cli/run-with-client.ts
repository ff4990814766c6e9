import type { MetadataClient } from "../index.js";
import { ZitadelConfigError } from "../index.js";
import type { ConnectionSettings } from "./connection-args.js";
import type { CliIo } from "./io.js";
import { exitCodes } from "./io.js";
import { configProblem, openMetadataClient } from "./open-client.js";
import { redact, reportFailure } from "./report-error.js";

/**
 * Opens the metadata client for a command and runs it. A setting that cannot
 * work (an unreadable key file; --org without --org-id on v2, which the
 * high-level API refuses when the scope is made, before its first call)
 * exits 2; a failed call is one line on stderr and exit 1.
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
    if (e instanceof ZitadelConfigError) {
      io.err(redact(`zmeta ${command}: ${configProblem(e, connection)}`, connection));
      return exitCodes.usage;
    }
    return reportFailure(command, e, connection, (line) => io.err(line));
  }
}
