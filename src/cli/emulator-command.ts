import { rmSync } from "node:fs";
import { basename, dirname } from "node:path";
import { isLoopbackHost, ZitadelConfigError } from "../index.js";
import type { Emulator, EmulatorSeed, Faults } from "../emulator/index.js";
import { parseFaults, startEmulator } from "../emulator/index.js";
import type { EmulatorCommand } from "./args.js";
import type { CliIo } from "./io.js";
import type { Interruption, StopSignal } from "./interrupt.js";
import { signalExitCode, watchInterrupts } from "./interrupt.js";
import { loadSeedFile } from "./seed-file.js";

/**
 * `zmeta emulator`: serves until SIGINT, SIGTERM or SIGHUP, then closes and
 * removes the machine users' key files, and resolves to the signal's exit
 * code (130, 143, 129). 1 when it cannot listen, 2 for a bad seed file or --faults.
 */
export async function runEmulatorCommand(cmd: EmulatorCommand, io: CliIo): Promise<number> {
  let faults: Partial<Faults> | undefined;
  if (cmd.faults !== undefined) {
    try {
      faults = parseFaults(cmd.faults);
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      io.err(`zmeta emulator: --faults: ${e.message.replace(/^parseFaults: /, "")} (see "zmeta emulator --help")`);
      return 2;
    }
  }
  let seed: EmulatorSeed | undefined;
  if (cmd.seedFile !== undefined) {
    const loaded = await loadSeedFile(cmd.seedFile);
    if (!loaded.ok) {
      io.err(`zmeta emulator: ${loaded.errorMessage}`);
      return 2;
    }
    seed = loaded.seed;
  }

  // Registered before listening, so a Ctrl-C during start-up still stops cleanly.
  // A second signal, or a close that hangs, exits at once: the key files go first, they hold valid keys.
  let emulator: Emulator | undefined;
  const stopped = watchInterrupts({ onForcedExit: () => void (emulator && removeKeyFiles(emulator)) });
  try {
    emulator = await startEmulator({
      host: cmd.host,
      port: cmd.port,
      seed,
      tokenTtlSeconds: cmd.tokenTtlSeconds,
      connectV1: cmd.connectV1,
      quirks: cmd.quirks,
      ...(faults === undefined ? {} : { faults }),
      log: (line) => io.err(line),
    });
  } catch (e) {
    stopped.stop();
    // The only option from the command line a TypeError can be about: the faults parse, but together they do not work (probabilities adding up to over 1).
    if (e instanceof TypeError && cmd.faults !== undefined) {
      io.err(`zmeta emulator: --faults: ${e.message.replace(/^startEmulator: option "faults": ?/, "")} (see "zmeta emulator --help")`);
      return 2;
    }
    const failure = describeStartFailure(e, cmd);
    io.err(`zmeta emulator: ${failure.message}`);
    return failure.exitCode;
  }

  // The ready line is the only thing on stdout, so `| head -n1 | jq` works.
  io.out(JSON.stringify(emulator.readyInfo()));
  io.err(
    cmd.connectV1
      ? `zmeta emulator: serving v1 and v2 over gRPC, gRPC-web, REST and Connect (on v1 with --connect-v1, which ZITADEL lacks) at ${emulator.url} (Ctrl-C stops)`
      : `zmeta emulator: serving v1 over gRPC, gRPC-web and REST and v2 over those and Connect at ${emulator.url}, as ZITADEL serves them (Ctrl-C stops)`,
  );
  if (!isLoopbackHost(cmd.host)) {
    io.err(`zmeta emulator: warning: bound to ${cmd.host}, so anyone who can reach this port can use the seeded tokens`);
  }

  const signal = await stopSignal(stopped);
  await emulator.close();
  stopped.stop();
  io.err(`zmeta emulator: stopped (${signal})`);
  return signalExitCode(signal);
}

/** The first stop signal that comes. */
function stopSignal(interruption: Interruption): Promise<StopSignal> {
  return new Promise((resolve) => {
    if (interruption.signal !== undefined) return resolve(interruption.signal);
    interruption.abortSignal.addEventListener("abort", () => resolve(interruption.signal!), { once: true });
  });
}

/**
 * The key files of the ready line, and the temporary directory the emulator
 * made for them (the CLI gives no --key-dir, so they are in one of their own).
 * Synchronous: it runs on the way out of a forced exit.
 */
function removeKeyFiles(emulator: Emulator): void {
  for (const user of emulator.users) {
    if (user.keyFile === undefined) continue;
    const dir = dirname(user.keyFile);
    try {
      if (basename(dir).startsWith("zmeta-emulator-")) rmSync(dir, { recursive: true, force: true });
      else rmSync(user.keyFile, { force: true });
    } catch {
      // Leaving anyway; nothing more can be done.
    }
  }
}

function describeStartFailure(e: unknown, cmd: EmulatorCommand): { message: string; exitCode: number } {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${cmd.host}:${cmd.port}`;
  switch (code) {
    case "EADDRINUSE":
      return {
        message: `port ${cmd.port} on ${cmd.host} is already in use; choose another with --port, or --port 0 for a free one`,
        exitCode: 1,
      };
    case "EACCES":
      return {
        message: `not allowed to listen on ${where}; ports below 1024 need privileges, choose another with --port`,
        exitCode: 1,
      };
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return {
        message: `cannot resolve --host ${cmd.host}; give an address of this machine such as 127.0.0.1`,
        exitCode: 1,
      };
    case "EADDRNOTAVAIL":
      return {
        message: `cannot listen on --host ${cmd.host}: it is not an address of this machine; try --host 127.0.0.1`,
        exitCode: 1,
      };
  }
  // The emulator reports an inconsistent seed (unknown org or role, a name used twice) as a config error of option "seed".
  if (cmd.seedFile !== undefined && err instanceof ZitadelConfigError && err.option === "seed") {
    return { message: `seed file "${cmd.seedFile}": ${err.problem}`, exitCode: 2 };
  }
  return { message: `could not start on ${where}: ${err.message}`, exitCode: 1 };
}
