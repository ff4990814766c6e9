// What `npm test` does about the Python toolchain that test/foreign-python.spec.ts
// drives (Debian's protoc, its gRPC Python plugin, and Debian's python3 with the
// grpc and protobuf modules), decided from facts about the machine (gathered by
// scripts/ensure-python-toolchain.ts, injected by test/python-toolchain-plan.spec.ts):
// go on, install the Debian packages that are missing (as root with apt-get, as on
// a fresh Debian machine or in CI), or stop at once with the one command that
// fixes it. Pure: it reads and runs nothing.

/** Where Debian's packages put the programs the Python test runs. */
export const debianPythonToolchain = {
  /** protobuf-compiler. */
  protoc: "/usr/bin/protoc",
  /** protobuf-compiler-grpc: protoc's plugin for `--grpc_python_out`. */
  grpcPythonPlugin: "/usr/bin/grpc_python_plugin",
  /** Debian's interpreter, the one python3-grpcio and python3-protobuf install into (not pyenv's or a venv's). */
  python: "/usr/bin/python3",
} as const;

/** The Debian packages, in the order they are named and installed. */
export const pythonToolchainPackages = ["protobuf-compiler", "protobuf-compiler-grpc", "python3-grpcio", "python3-protobuf"] as const;

export type PythonToolchainPackage = (typeof pythonToolchainPackages)[number];

/**
 * The oldest protoc (and Python protobuf runtime) that knows proto3 `optional`
 * without an experimental flag; proto/ uses it (v2 pagination). Debian 11's
 * 3.12 is too old, Debian 12's 3.21 is fine.
 */
export const minimumProtobuf = { major: 3, minor: 15 } as const;

/**
 * The program /usr/bin/python3 runs (with -I, so PYTHONPATH and user site
 * packages cannot stand in for Debian's) to report its modules: one JSON line
 * `{"grpc": version or null, "protobuf": version or null}`.
 */
export const pythonModulesProbe = [
  "import json",
  "def version(name):",
  "    try:",
  "        return __import__(name, fromlist=['__version__']).__version__",
  "    except Exception:",
  "        return None",
  "print(json.dumps({'grpc': version('grpc'), 'protobuf': version('google.protobuf')}))",
].join("\n");

/** What the check knows about the machine. */
export interface PythonToolchainFacts {
  /** What `/usr/bin/protoc --version` printed (e.g. "libprotoc 3.21.12"); undefined when it did not run. */
  protoc: string | undefined;
  /** Whether /usr/bin/grpc_python_plugin is an executable file. */
  grpcPythonPlugin: boolean;
  /** The versions of grpc and google.protobuf that /usr/bin/python3 imports (undefined: not importable); undefined when it did not run. */
  python: { grpc: string | undefined; protobuf: string | undefined } | undefined;
  /** Whether the process runs as root (effective uid 0). */
  root: boolean;
  /** Whether apt-get is on PATH (Debian, Ubuntu and their kin). */
  aptGet: boolean;
}

/** One thing the machine lacks, and the Debian package that provides it. */
export interface Shortfall {
  /** What is missing or too old, in words. */
  lack: string;
  package: PythonToolchainPackage;
}

/** The commands that install `packages`, each an argv; run in order with DEBIAN_FRONTEND=noninteractive. */
export function aptInstall(packages: readonly PythonToolchainPackage[]): readonly (readonly string[])[] {
  return [
    ["apt-get", "update", "-qq"],
    // Waits for another apt or dpkg run to let go of the lock rather than failing at once.
    ["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300", ...packages],
  ];
}

export type PythonToolchainPlan =
  /** Everything is there: nothing to do. */
  | { action: "ready" }
  /** Install these packages (after printing `announce`), then check again. */
  | { action: "install"; packages: readonly PythonToolchainPackage[]; announce: string; commands: readonly (readonly string[])[] }
  /** Stop before any test runs, printing `message`. */
  | { action: "fail"; message: string };

/** "3.21.12" (or "libprotoc 3.21.12", "4.25.1") as major and minor; undefined when there is no version in it. */
export function parseVersion(text: string): { major: number; minor: number } | undefined {
  const found = /(\d+)\.(\d+)/.exec(text);
  return found ? { major: Number(found[1]), minor: Number(found[2]) } : undefined;
}

/**
 * Whether a protobuf version knows proto3 `optional`. protoc's own numbering
 * went from 3.20 to 21 (and Python's runtime from 3.20 to 4.21): any major
 * above 3 is newer.
 */
export function knowsProto3Optional(version: string): boolean {
  const parsed = parseVersion(version);
  if (parsed === undefined) return false;
  return parsed.major > minimumProtobuf.major || (parsed.major === minimumProtobuf.major && parsed.minor >= minimumProtobuf.minor);
}

const oldest = `${minimumProtobuf.major}.${minimumProtobuf.minor}`;

/** What the machine lacks for the Python test, in the order of {@link pythonToolchainPackages}; empty when nothing. */
export function shortfalls(facts: PythonToolchainFacts): Shortfall[] {
  const { protoc, grpcPythonPlugin, python } = debianPythonToolchain;
  const found: Shortfall[] = [];
  if (facts.protoc === undefined) found.push({ lack: protoc, package: "protobuf-compiler" });
  else if (!knowsProto3Optional(facts.protoc)) {
    found.push({ lack: `${protoc} ${oldest} or newer for proto3 optional (it says "${facts.protoc}")`, package: "protobuf-compiler" });
  }
  if (!facts.grpcPythonPlugin) found.push({ lack: grpcPythonPlugin, package: "protobuf-compiler-grpc" });
  if (facts.python?.grpc === undefined) found.push({ lack: `the grpc module of ${python}`, package: "python3-grpcio" });
  if (facts.python?.protobuf === undefined) found.push({ lack: `the google.protobuf module of ${python}`, package: "python3-protobuf" });
  else if (!knowsProto3Optional(facts.python.protobuf)) {
    found.push({ lack: `google.protobuf ${oldest} or newer in ${python} (it has ${facts.python.protobuf})`, package: "python3-protobuf" });
  }
  return found;
}

/** The packages that provide what is lacking, each once, in the order of {@link pythonToolchainPackages}. */
export function packagesFor(lacking: readonly Shortfall[]): PythonToolchainPackage[] {
  return pythonToolchainPackages.filter((name) => lacking.some((s) => s.package === name));
}

const needs =
  "The Python toolchain test (test/foreign-python.spec.ts) needs Debian's protoc, its gRPC Python plugin and Debian's python3 with grpc and protobuf";

/** Decides what to do; see the file comment. */
export function planPythonToolchain(facts: PythonToolchainFacts): PythonToolchainPlan {
  const lacking = shortfalls(facts);
  if (lacking.length === 0) return { action: "ready" };
  const packages = packagesFor(lacking);
  const lacks = lacking.map((s) => s.lack).join(", ");
  if (facts.root && facts.aptGet) {
    return {
      action: "install",
      packages,
      announce: `${needs}; missing: ${lacks}. Installing Debian's ${packages.join(" ")} with apt-get, once.`,
      commands: aptInstall(packages),
    };
  }
  const fix = facts.aptGet
    ? `Install Debian's packages: \`sudo apt-get install -y ${packages.join(" ")}\`, then run npm test again.`
    : `Install Debian's packages ${packages.join(" ")} (Debian 12 or newer) or the same programs at these paths, then run npm test again.`;
  return { action: "fail", message: `${needs}; missing: ${lacks}. ${fix}` };
}

/** The message when apt-get failed, or succeeded and left something lacking; `detail` says which. */
export function installFailedMessage(packages: readonly PythonToolchainPackage[], detail: string): string {
  return (
    `Installing Debian's ${packages.join(" ")} did not give the Python toolchain test what it needs (${detail}). ` +
    `Install them yourself (\`apt-get install -y ${packages.join(" ")}\`, on Debian 12 or newer), then run npm test again.`
  );
}

/** The detail for {@link installFailedMessage} when apt-get succeeded but something is still lacking. */
export function stillLacking(lacking: readonly Shortfall[]): string {
  return `apt-get succeeded, but still missing: ${lacking.map((s) => s.lack).join(", ")}`;
}
