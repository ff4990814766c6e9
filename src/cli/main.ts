import { parseCli } from "./args.js";
import { runDemoCommand } from "./demo-command.js";
import { runEmulatorCommand } from "./emulator-command.js";
import type { CliIo } from "./io.js";
import { processIo } from "./io.js";
import { usage } from "./usage.js";

/**
 * The `zmeta` command. Takes the arguments after the script path and resolves
 * to the exit code (0 success, 1 the command failed, 2 the command line or
 * its input was wrong); it never calls process.exit itself, so the caller decides
 * how to end (bin/zmeta.js sets process.exitCode and lets output drain).
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const parsed = parseCli(argv, io.env);
  if (!parsed.ok) {
    io.err(parsed.errorMessage);
    return 2;
  }
  const cmd = parsed.value;
  try {
    switch (cmd.command) {
      case "help":
        io.out(usage(cmd.topic));
        return 0;
      case "emulator":
        return await runEmulatorCommand(cmd, io);
      case "demo":
        return await runDemoCommand(cmd, io);
    }
  } catch (e) {
    // Commands report expected problems themselves; this is a bug, so keep the stack.
    io.err(`zmeta ${cmd.command}: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
}
