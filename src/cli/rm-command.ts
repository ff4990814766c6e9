import type { MetadataScope } from "../index.js";
import { isMetadataNotFound } from "../index.js";
import type { CliIo } from "./io.js";
import { exitCodes, write } from "./io.js";
import type { RmCommand } from "./metadata-args.js";
import type { Interruption } from "./interrupt.js";
import { signalExitCode, watchInterrupts } from "./interrupt.js";
import { runWithClient } from "./run-with-client.js";
import { describeScope, writeScope } from "./scope.js";

/** Keys per bulk request; ZITADEL removes the keys of one request all or none. */
const keysPerRequest = 500;

/** Most keys looked up one by one to name the missing ones after a failed bulk remove. */
const maxLookups = 50;

/**
 * `zmeta rm`: one key with RemoveUserMetadata/RemoveOrgMetadata, several
 * with the bulk RPC. A missing key exits 3 and, as ZITADEL fails a bulk
 * remove as a whole, nothing is removed.
 */
export async function runRmCommand(cmd: RmCommand, io: CliIo): Promise<number> {
  const interruption = watchInterrupts();
  try {
    return await removeKeys(cmd, io, interruption);
  } finally {
    interruption.stop();
  }
}

function removeKeys(cmd: RmCommand, io: CliIo, interruption: Interruption): Promise<number> {
  const { abortSignal: signal } = interruption;
  return runWithClient("rm", cmd.connection, io, async (md) => {
    const scope = writeScope(md, cmd.scope);
    const where = describeScope(cmd.scope, cmd.connection);
    const [only] = cmd.keys;
    try {
      if (cmd.keys.length === 1 && only !== undefined) await scope.remove(only, { signal });
      else await scope.removeMany(cmd.keys, { maxEntriesPerRequest: keysPerRequest, signal });
    } catch (e) {
      if (interruption.signal !== undefined) {
        // The request may have reached ZITADEL before the signal: its answer is what was cut off.
        io.err(
          `zmeta rm: interrupted by ${interruption.signal} while removing from ${where}: ` +
            (cmd.keys.length <= keysPerRequest
              ? "the removal may or may not have happened (it is all or nothing)"
              : `some of the requests (${keysPerRequest} keys each, each all or nothing) may have happened`) +
            '; see what is left with "zmeta list"',
        );
        return signalExitCode(interruption.signal);
      }
      if (!isMetadataNotFound(e)) throw e;
      if (cmd.keys.length === 1) {
        io.err(`zmeta rm: ${where} has no metadata "${only}"; nothing was removed`);
      } else {
        const missing = await missingKeys(scope, cmd.keys);
        const named = missing === undefined || missing.length === 0 ? "one or more of the keys" : missing.map((k) => `"${k}"`).join(", ");
        const outcome =
          cmd.keys.length <= keysPerRequest ? "nothing was removed" : `the keys sent in other requests (${keysPerRequest} per request) may have been removed`;
        io.err(`zmeta rm: ${where} has no metadata ${named}; ${outcome}`);
      }
      return exitCodes.notFound;
    }
    const what = cmd.keys.length === 1 ? `"${only}"` : `${cmd.keys.length} keys`;
    io.err(`zmeta rm: removed ${what} from ${where}`);
    if (cmd.json) await write(io.stdout, `${JSON.stringify({ removed: cmd.keys })}\n`);
    return exitCodes.ok;
  });
}

/** Which of the keys do not exist, or undefined when there are too many to ask about or asking fails. */
async function missingKeys(scope: MetadataScope, keys: string[]): Promise<string[] | undefined> {
  if (keys.length > maxLookups) return undefined;
  try {
    const found = await Promise.all(keys.map((k) => scope.get(k)));
    return keys.filter((_, i) => found[i] === undefined);
  } catch {
    return undefined;
  }
}
