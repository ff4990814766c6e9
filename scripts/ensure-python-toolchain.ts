// The second step of `npm test`: makes sure the Python toolchain that
// test/foreign-python.spec.ts drives (Debian's protoc, grpc_python_plugin and
// python3 with grpc and protobuf) is there before anything spends minutes.
// Where something is missing and we run as root with apt-get (a fresh Debian
// machine, CI), it installs the Debian packages that provide it; elsewhere it
// stops at once with the one command that fixes it. It prints nothing when all
// is there. scripts/python-toolchain-plan.ts decides; this file gathers the facts and acts.
// Usage: node --import tsx scripts/ensure-python-toolchain.ts
import { spawnSync } from "node:child_process";
import { isExecutableFile, onPath, runsAsRoot } from "./executables.js";
import type { PythonToolchainFacts } from "./python-toolchain-plan.js";
import { debianPythonToolchain, installFailedMessage, planPythonToolchain, pythonModulesProbe, shortfalls, stillLacking } from "./python-toolchain-plan.js";
import { runAptGet } from "./run-apt-get.js";

/** What the program printed on stdout when it ran and exited 0; undefined when it did not. */
function output(command: string, args: readonly string[]): string | undefined {
  if (!isExecutableFile(command)) return undefined;
  // A minute: a loaded machine starts python slowly; a hung program must not hang npm test.
  const ran = spawnSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 60_000 });
  return ran.status === 0 ? ran.stdout.trim() : undefined;
}

function pythonModules(): PythonToolchainFacts["python"] {
  // -I: PYTHONPATH and the user's site packages do not count; Debian's dist-packages do.
  const printed = output(debianPythonToolchain.python, ["-I", "-c", pythonModulesProbe]);
  if (printed === undefined) return undefined;
  try {
    const modules = JSON.parse(printed) as { grpc?: unknown; protobuf?: unknown };
    const version = (v: unknown) => (typeof v === "string" ? v : undefined);
    return { grpc: version(modules.grpc), protobuf: version(modules.protobuf) };
  } catch {
    return undefined;
  }
}

function gatherFacts(): PythonToolchainFacts {
  return {
    protoc: output(debianPythonToolchain.protoc, ["--version"]),
    grpcPythonPlugin: isExecutableFile(debianPythonToolchain.grpcPythonPlugin),
    python: pythonModules(),
    root: runsAsRoot(),
    aptGet: onPath("apt-get") !== undefined,
  };
}

function fail(message: string): never {
  console.error(`ensure-python-toolchain: ${message}`);
  process.exit(1);
}

const plan = planPythonToolchain(gatherFacts());
if (plan.action === "fail") fail(plan.message);
if (plan.action === "install") {
  console.log(`ensure-python-toolchain: ${plan.announce}`);
  const failed = runAptGet(plan.commands);
  if (failed !== undefined) fail(installFailedMessage(plan.packages, failed));
  const left = shortfalls(gatherFacts());
  if (left.length > 0) fail(installFailedMessage(plan.packages, stillLacking(left)));
}
