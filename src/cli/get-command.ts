import type { CliIo } from "./io.js";
import { entryJson } from "./json-output.js";
import { exitCodes, write } from "./io.js";
import type { GetCommand } from "./metadata-args.js";
import { runWithClient } from "./run-with-client.js";
import { describeScope, readScope } from "./scope.js";
import { renderValue } from "./value-format.js";

/** `zmeta get`: one value on stdout; exit 3 when the key does not exist. */
export function runGetCommand(cmd: GetCommand, io: CliIo): Promise<number> {
  return runWithClient("get", cmd.connection, io, async (md) => {
    const entry = await readScope(md, cmd.scope).get(cmd.key);
    if (entry === undefined) {
      io.err(`zmeta get: ${missingKeyMessage(cmd)}`);
      return exitCodes.notFound;
    }
    if (cmd.json) {
      await write(io.stdout, `${JSON.stringify(entryJson(entry))}\n`);
      return exitCodes.ok;
    }
    const rendered = renderValue(entry.key, entry.value, cmd.format);
    if (!rendered.ok) {
      io.err(`zmeta get: ${rendered.problem}`);
      return exitCodes.failure;
    }
    await write(io.stdout, rendered.value);
    return exitCodes.ok;
  });
}

function missingKeyMessage(cmd: GetCommand): string {
  const message = `${describeScope(cmd.scope, cmd.connection)} has no metadata "${cmd.key}"`;
  if (cmd.scope.kind !== "user") return message;
  // v1 answers for a user outside the context organization exactly as for a missing key; v2 finds users in any organization.
  return cmd.connection.api === "v1" ? `${message} (or the user is in another organization: see --org-id)` : `${message} (or there is no such user)`;
}
