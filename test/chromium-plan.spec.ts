// The Chromium check that `npm test` runs first (scripts/ensure-chromium.ts):
// the decision for each kind of machine, from injected facts, and the script
// itself run as npm test runs it, with CHROMIUM_PATH pointing at an executable
// file, at nothing and at a directory.
import { spawn } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChromiumFacts } from "../scripts/chromium-plan.js";
import { aptInstall, chromiumPathFrom, debianChromium, planChromium } from "../scripts/chromium-plan.js";
import { cleanEnv, root } from "./support/zmeta.js";

/** A fresh Debian machine as root: nothing installed, apt-get there. */
const fresh: ChromiumFacts = { configured: undefined, present: false, root: true, aptGet: true, elsewhere: undefined };

describe("which Chromium test/browser launches", () => {
  it("is CHROMIUM_PATH when set, Debian's /usr/bin/chromium when unset or empty", () => {
    expect(chromiumPathFrom({ CHROMIUM_PATH: "/opt/chrome/chrome" })).toBe("/opt/chrome/chrome");
    expect(chromiumPathFrom({})).toBe("/usr/bin/chromium");
    expect(chromiumPathFrom({ CHROMIUM_PATH: "" })).toBe("/usr/bin/chromium");
    expect(debianChromium).toBe("/usr/bin/chromium");
  });
});

describe("what npm test does about Chromium", () => {
  it("goes on when Debian's Chromium is there, as root or not, with apt-get or without", () => {
    for (const root of [true, false]) {
      for (const aptGet of [true, false]) {
        expect(planChromium({ ...fresh, present: true, root, aptGet })).toEqual({ action: "ready", path: "/usr/bin/chromium" });
      }
    }
  });

  it("installs Debian's package as root with apt-get: update, then install chromium, announced in one line", () => {
    const plan = planChromium(fresh);
    expect(plan).toEqual({
      action: "install",
      path: "/usr/bin/chromium",
      announce: "Chromium is missing at /usr/bin/chromium (the browser test needs it): installing Debian's chromium package with apt-get, once.",
      commands: aptInstall,
    });
    expect(aptInstall.map((argv) => argv.join(" "))).toEqual(["apt-get update -qq", "apt-get install -y -qq -o DPkg::Lock::Timeout=300 chromium"]);
    // Another browser on PATH does not stop the install: the test runs against Debian's package.
    expect(planChromium({ ...fresh, elsewhere: "/usr/bin/google-chrome" }).action).toBe("install");
  });

  it("stops at once, without root, with the apt-get command to run", () => {
    expect(planChromium({ ...fresh, root: false })).toEqual({
      action: "fail",
      message:
        "Chromium is missing at /usr/bin/chromium, and the browser test (test/browser) needs it; it never downloads a browser. " +
        "Install Debian's package: `sudo apt-get install -y chromium`, then run npm test again.",
    });
  });

  it("stops at once without apt-get (as root too), saying to set CHROMIUM_PATH", () => {
    for (const root of [true, false]) {
      expect(planChromium({ ...fresh, root, aptGet: false })).toEqual({
        action: "fail",
        message:
          "Chromium is missing at /usr/bin/chromium, and the browser test (test/browser) needs it; it never downloads a browser. " +
          "Install Chromium with your system's package manager and point the test at its binary: `CHROMIUM_PATH=/path/to/chromium npm test`.",
      });
    }
  });

  it("names a Chromium found elsewhere on PATH in the one command, when it may not install", () => {
    for (const aptGet of [true, false]) {
      const plan = planChromium({ ...fresh, root: false, aptGet, elsewhere: "/usr/bin/chromium-browser" });
      expect(plan.action).toBe("fail");
      expect(plan.action === "fail" && plan.message).toMatch(
        /A Chromium is at \/usr\/bin\/chromium-browser: run `CHROMIUM_PATH=\/usr\/bin\/chromium-browser npm test`\.$/,
      );
    }
    expect(planChromium({ ...fresh, aptGet: false, elsewhere: "/snap/bin/chromium" })).toMatchObject({ action: "fail" });
  });

  it("takes CHROMIUM_PATH when it is there, and never installs over one that is not", () => {
    expect(planChromium({ ...fresh, configured: "/opt/chrome/chrome", present: true })).toEqual({ action: "ready", path: "/opt/chrome/chrome" });
    for (const root of [true, false]) {
      expect(planChromium({ ...fresh, configured: "/opt/nothing/chrome", root })).toEqual({
        action: "fail",
        message:
          "CHROMIUM_PATH is /opt/nothing/chrome, which is not an executable file. " +
          "Point it at a Chromium binary (CHROMIUM_PATH=/path/to/chromium npm test), or unset it to use Debian's package at /usr/bin/chromium.",
      });
    }
  });

  it("treats an empty CHROMIUM_PATH as unset", () => {
    expect(planChromium({ ...fresh, configured: "" })).toEqual(planChromium(fresh));
    expect(planChromium({ ...fresh, configured: "", present: true })).toEqual({ action: "ready", path: "/usr/bin/chromium" });
  });
});

describe("scripts/ensure-chromium.ts, run as npm test runs it", () => {
  const script = join(root, "scripts", "ensure-chromium.ts");
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "zmeta-ensure-chromium-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the script with CHROMIUM_PATH set; a set path never installs anything, so this is safe on any machine. */
  function ensure(chromiumPath: string): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: root, env: { ...cleanEnv(), CHROMIUM_PATH: chromiumPath } });
      let out = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, out, err });
      });
    });
  }

  it("exits 0 and prints nothing when CHROMIUM_PATH is an executable file", { timeout: 90_000 }, async () => {
    const executable = join(dir, "chromium");
    await writeFile(executable, "#!/bin/sh\nexit 0\n");
    await chmod(executable, 0o755);
    expect(await ensure(executable)).toEqual({ code: 0, out: "", err: "" });
  });

  it("exits 1 with the message, and nothing on stdout, when CHROMIUM_PATH is missing, a directory or not executable", { timeout: 90_000 }, async () => {
    const plain = join(dir, "not-executable");
    await writeFile(plain, "not a browser\n");
    await chmod(plain, 0o644);
    for (const path of [join(dir, "missing"), dir, plain]) {
      expect(await ensure(path)).toEqual({
        code: 1,
        out: "",
        err:
          `ensure-chromium: CHROMIUM_PATH is ${path}, which is not an executable file. ` +
          "Point it at a Chromium binary (CHROMIUM_PATH=/path/to/chromium npm test), or unset it to use Debian's package at /usr/bin/chromium.\n",
      });
    }
  });
});
