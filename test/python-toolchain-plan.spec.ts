// The Python toolchain check that `npm test` runs second
// (scripts/ensure-python-toolchain.ts): the decision for each kind of machine,
// from injected facts; the probe it runs in Debian's python3; and the script
// itself, run as npm test runs it, on this machine, where npm test has already
// made sure of the toolchain.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PythonToolchainFacts } from "../scripts/python-toolchain-plan.js";
import {
  aptInstall,
  debianPythonToolchain,
  installFailedMessage,
  knowsProto3Optional,
  packagesFor,
  planPythonToolchain,
  pythonModulesProbe,
  pythonToolchainPackages,
  shortfalls,
  stillLacking,
} from "../scripts/python-toolchain-plan.js";
import { root, zmetaCli } from "./support/zmeta.js";

/** A fresh Debian machine as root: nothing installed, apt-get there. */
const fresh: PythonToolchainFacts = { protoc: undefined, grpcPythonPlugin: false, python: undefined, root: true, aptGet: true };
/** Debian 12 with the four packages. */
const bookworm: PythonToolchainFacts = {
  protoc: "libprotoc 3.21.12",
  grpcPythonPlugin: true,
  python: { grpc: "1.51.1", protobuf: "4.21.12" },
  root: true,
  aptGet: true,
};

const needs =
  "The Python toolchain test (test/foreign-python.spec.ts) needs Debian's protoc, its gRPC Python plugin and Debian's python3 with grpc and protobuf";

describe("the programs and packages of the Python toolchain", () => {
  it("are Debian's, at Debian's paths (python3 is /usr/bin's, not pyenv's or a venv's)", () => {
    expect(debianPythonToolchain).toEqual({ protoc: "/usr/bin/protoc", grpcPythonPlugin: "/usr/bin/grpc_python_plugin", python: "/usr/bin/python3" });
    expect(pythonToolchainPackages).toEqual(["protobuf-compiler", "protobuf-compiler-grpc", "python3-grpcio", "python3-protobuf"]);
  });

  it("need protobuf 3.15 or newer for proto3 optional, in either numbering (3.x, then 21 and up; Python's 4.21 and up)", () => {
    for (const version of ["libprotoc 3.15.0", "libprotoc 3.21.12", "libprotoc 25.1", "libprotoc 31.0", "4.21.12", "5.29.3", "3.20.3"]) {
      expect(knowsProto3Optional(version), version).toBe(true);
    }
    for (const version of ["libprotoc 3.14.9", "libprotoc 3.12.4", "libprotoc 2.6.1", "3.6.1", "libprotoc", ""]) {
      expect(knowsProto3Optional(version), version).toBe(false);
    }
  });
});

describe("what npm test does about the Python toolchain", () => {
  it("goes on when everything is there, as root or not, with apt-get or without", () => {
    for (const root of [true, false]) {
      for (const aptGet of [true, false]) expect(planPythonToolchain({ ...bookworm, root, aptGet })).toEqual({ action: "ready" });
    }
  });

  it("installs all four packages on a fresh machine as root with apt-get, announced in one line", () => {
    expect(planPythonToolchain(fresh)).toEqual({
      action: "install",
      packages: ["protobuf-compiler", "protobuf-compiler-grpc", "python3-grpcio", "python3-protobuf"],
      announce:
        `${needs}; missing: /usr/bin/protoc, /usr/bin/grpc_python_plugin, the grpc module of /usr/bin/python3, the google.protobuf module of /usr/bin/python3. ` +
        "Installing Debian's protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf with apt-get, once.",
      commands: aptInstall(["protobuf-compiler", "protobuf-compiler-grpc", "python3-grpcio", "python3-protobuf"]),
    });
    expect(aptInstall(["protobuf-compiler-grpc"]).map((argv) => argv.join(" "))).toEqual([
      "apt-get update -qq",
      "apt-get install -y -qq -o DPkg::Lock::Timeout=300 protobuf-compiler-grpc",
    ]);
  });

  it("installs only the packages of what is missing", () => {
    const cases: [Partial<PythonToolchainFacts>, string[]][] = [
      [{ grpcPythonPlugin: false }, ["protobuf-compiler-grpc"]],
      [{ protoc: undefined }, ["protobuf-compiler"]],
      [{ python: { grpc: undefined, protobuf: "4.21.12" } }, ["python3-grpcio"]],
      [{ python: { grpc: "1.51.1", protobuf: undefined } }, ["python3-protobuf"]],
      // No /usr/bin/python3 at all: the two module packages bring it.
      [{ python: undefined }, ["python3-grpcio", "python3-protobuf"]],
    ];
    for (const [change, packages] of cases) {
      const plan = planPythonToolchain({ ...bookworm, ...change });
      expect(plan.action === "install" && plan.packages, JSON.stringify(change)).toEqual(packages);
      expect(plan.action === "install" && plan.commands).toEqual(aptInstall(packages as never));
    }
  });

  it("stops at once without root, with the apt-get command for what is missing", () => {
    expect(planPythonToolchain({ ...bookworm, root: false, grpcPythonPlugin: false, python: { grpc: undefined, protobuf: "4.21.12" } })).toEqual({
      action: "fail",
      message:
        `${needs}; missing: /usr/bin/grpc_python_plugin, the grpc module of /usr/bin/python3. ` +
        "Install Debian's packages: `sudo apt-get install -y protobuf-compiler-grpc python3-grpcio`, then run npm test again.",
    });
  });

  it("stops at once without apt-get (as root too), naming the packages and the paths", () => {
    for (const root of [true, false]) {
      expect(planPythonToolchain({ ...fresh, root, aptGet: false })).toEqual({
        action: "fail",
        message:
          `${needs}; missing: /usr/bin/protoc, /usr/bin/grpc_python_plugin, the grpc module of /usr/bin/python3, the google.protobuf module of /usr/bin/python3. ` +
          "Install Debian's packages protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf (Debian 12 or newer) or the same programs at these paths, then run npm test again.",
      });
    }
  });

  it("counts a protoc or a Python protobuf too old for proto3 optional as missing, saying which version it found", () => {
    const old = { ...bookworm, protoc: "libprotoc 3.12.4", python: { grpc: "1.30.2", protobuf: "3.12.4" } };
    expect(shortfalls(old)).toEqual([
      { lack: '/usr/bin/protoc 3.15 or newer for proto3 optional (it says "libprotoc 3.12.4")', package: "protobuf-compiler" },
      { lack: "google.protobuf 3.15 or newer in /usr/bin/python3 (it has 3.12.4)", package: "python3-protobuf" },
    ]);
    // As root apt-get may have a newer one; without, the message says what to do.
    expect(planPythonToolchain(old)).toMatchObject({ action: "install", packages: ["protobuf-compiler", "python3-protobuf"] });
    const plan = planPythonToolchain({ ...old, root: false });
    expect(plan.action === "fail" && plan.message).toContain("`sudo apt-get install -y protobuf-compiler python3-protobuf`");
  });

  it("lists each package once, in install order, whatever the order of the shortfalls", () => {
    const lacking = shortfalls({ ...fresh, protoc: "libprotoc 3.6.1" });
    expect(packagesFor([...lacking].reverse())).toEqual(pythonToolchainPackages);
  });

  it("says what is still missing when apt-get did not help, and how to install by hand", () => {
    const left = shortfalls({ ...bookworm, protoc: "libprotoc 3.12.4" });
    expect(installFailedMessage(["protobuf-compiler"], stillLacking(left))).toBe(
      "Installing Debian's protobuf-compiler did not give the Python toolchain test what it needs " +
        '(apt-get succeeded, but still missing: /usr/bin/protoc 3.15 or newer for proto3 optional (it says "libprotoc 3.12.4")). ' +
        "Install them yourself (`apt-get install -y protobuf-compiler`, on Debian 12 or newer), then run npm test again.",
    );
  });
});

describe("the check on this machine", () => {
  const cli = zmetaCli({ timeoutMs: 120_000 });

  it("its probe reports the versions of Debian's grpc and protobuf, and null for modules it cannot import", { timeout: 150_000 }, async () => {
    const found = await cli.run(debianPythonToolchain.python, ["-I", "-c", pythonModulesProbe]);
    expect(found.code, found.stderr).toBe(0);
    const versions = JSON.parse(found.out) as { grpc: unknown; protobuf: unknown };
    expect(versions).toEqual({ grpc: expect.stringMatching(/^\d+\.\d+/), protobuf: expect.stringMatching(/^\d+\.\d+/) });
    expect(knowsProto3Optional(versions.protobuf as string)).toBe(true);
    // -S: without site-packages neither module imports.
    const bare = await cli.run(debianPythonToolchain.python, ["-I", "-S", "-c", pythonModulesProbe]);
    expect(JSON.parse(bare.out)).toEqual({ grpc: null, protobuf: null });
  });

  it("scripts/ensure-python-toolchain.ts exits 0 and prints nothing where the toolchain is there", { timeout: 150_000 }, async () => {
    const ran = await cli.run(process.execPath, ["--import", "tsx", join(root, "scripts", "ensure-python-toolchain.ts")]);
    expect({ code: ran.code, out: ran.out, err: ran.stderr }).toEqual({ code: 0, out: "", err: "" });
  });
});
