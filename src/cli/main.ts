import { parseCli } from "./args.js";
import type { CliIo } from "./io.js";
import { exitCodes, processIo } from "./io.js";
import { usage } from "./usage.js";

/**
 * The `zmeta` command. Takes the arguments after the script path and resolves
 * to the exit code (0 success, 1 the command failed, 2 the command line or
 * its input was wrong, 3 no such key); it never calls process.exit itself, so
 * the caller decides how to end (bin/zmeta.js sets process.exitCode and lets output drain).
 * The exceptions are signals: `export --out` removes its temporary file, then exits
 * 130 (SIGINT) or 143 (SIGTERM); a second Ctrl-C while `emulator` is stopping exits 130.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const parsed = parseCli(argv, io.env);
  if (!parsed.ok) {
    io.err(parsed.errorMessage);
    return exitCodes.usage;
  }
  const cmd = parsed.value;
  try {
    // Each command loads its own modules: `zmeta get` should not pay for the emulator's start-up.
    switch (cmd.command) {
      case "help":
        io.out(usage(cmd.topic));
        return exitCodes.ok;
      case "version":
        io.out((await import("./package-file.js")).packageVersion());
        return exitCodes.ok;
      case "emulator":
        return await (await import("./emulator-command.js")).runEmulatorCommand(cmd, io);
      case "demo":
        return await (await import("./demo-command.js")).runDemoCommand(cmd, io);
      case "get":
        return await (await import("./get-command.js")).runGetCommand(cmd, io);
      case "set":
        return await (await import("./set-command.js")).runSetCommand(cmd, io);
      case "list":
        return await (await import("./list-command.js")).runListCommand(cmd, io);
      case "rm":
        return await (await import("./rm-command.js")).runRmCommand(cmd, io);
      case "export":
        return await (await import("./export-command.js")).runExportCommand(cmd, io);
      case "import":
        return await (await import("./import-command.js")).runImportCommand(cmd, io);
      case "completion":
        io.out((await import("./completion.js")).completionScript(cmd.shell).trimEnd());
        return exitCodes.ok;
    }
  } catch (e) {
    // Commands report expected problems themselves; this is a bug, so keep the stack.
    io.err(`zmeta ${cmd.command}: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return exitCodes.failure;
  }
}
