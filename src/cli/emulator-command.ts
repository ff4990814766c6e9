import { isLoopbackHost, ZitadelConfigError } from "../index.js";
import type { Emulator, EmulatorSeed } from "../emulator/index.js";
import { startEmulator } from "../emulator/index.js";
import type { EmulatorCommand } from "./args.js";
import type { CliIo } from "./io.js";
import { loadSeedFile } from "./seed-file.js";

/**
 * `zmeta emulator`: serves until SIGINT or SIGTERM. Resolves to the exit
 * code: 0 after a clean stop, 1 when it cannot listen, 2 for a bad seed file.
 */
export async function runEmulatorCommand(cmd: EmulatorCommand, io: CliIo): Promise<number> {
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
  const stopped = nextStopSignal();
  let emulator: Emulator;
  try {
    emulator = await startEmulator({
      host: cmd.host,
      port: cmd.port,
      seed,
      tokenTtlSeconds: cmd.tokenTtlSeconds,
      connectV1: cmd.connectV1,
      quirks: cmd.quirks,
      log: (line) => io.err(line),
    });
  } catch (e) {
    stopped.cancel();
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

  const signal = await stopped.promise;
  await emulator.close();
  stopped.cancel();
  io.err(`zmeta emulator: stopped (${signal})`);
  return 0;
}

/**
 * Resolves on the first SIGINT or SIGTERM. Until cancel(), a second Ctrl-C
 * (say, while closing hangs) is not swallowed: it leaves at once.
 */
function nextStopSignal(): { promise: Promise<NodeJS.Signals>; cancel(): void } {
  const forceExit = () => process.exit(130);
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.once("SIGINT", forceExit);
      resolve(signal);
    };
  });
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    promise,
    cancel() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", forceExit);
    },
  };
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
