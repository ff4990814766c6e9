// The first step of `npm test`: makes sure the Chromium that test/browser drives
// is there before anything spends minutes. Where it is missing and we run as
// root with apt-get (a fresh Debian machine, CI), it installs Debian's
// `chromium` package; elsewhere it stops at once with the one command that
// fixes it. scripts/chromium-plan.ts decides; this file gathers the facts and acts.
// Usage: node --import tsx scripts/ensure-chromium.ts   (CHROMIUM_PATH=... for another binary)
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { ChromiumFacts } from "./chromium-plan.js";
import { chromiumPathFrom, chromiumPathVariable, installFailedMessage, planChromium } from "./chromium-plan.js";

/** Names other systems give Chromium (or Chrome), looked up on PATH for the hint. */
const otherNames = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "chrome"];

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable called `name` on PATH. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function gatherFacts(path: string): ChromiumFacts {
  return {
    configured: process.env[chromiumPathVariable],
    present: isExecutableFile(path),
    root: process.geteuid?.() === 0,
    aptGet: onPath("apt-get") !== undefined,
    elsewhere: otherNames.map(onPath).find((found) => found !== undefined && found !== path),
  };
}

function fail(message: string): never {
  console.error(`ensure-chromium: ${message}`);
  process.exit(1);
}

const path = chromiumPathFrom(process.env);
const plan = planChromium(gatherFacts(path));
if (plan.action === "fail") fail(plan.message);
if (plan.action === "install") {
  console.log(`ensure-chromium: ${plan.announce}`);
  for (const argv of plan.commands) {
    const [command, ...args] = argv as [string, ...string[]];
    const ran = spawnSync(command, args, {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      // apt's progress is noise; its errors are kept for the message.
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
      timeout: 20 * 60_000,
    });
    if (ran.status !== 0) {
      const said = (ran.stderr ?? "")
        .trim()
        .split("\n")
        .filter((line) => line.startsWith("E:") || line.startsWith("W:"))
        .slice(-2)
        .join(" ");
      const how = ran.error ? ran.error.message : ran.status === null ? `ended by ${ran.signal}` : `exited ${ran.status}`;
      fail(installFailedMessage(plan.path, `\`${argv.join(" ")}\` ${how}${said ? `: ${said}` : ""}`));
    }
  }
  if (!isExecutableFile(plan.path)) fail(installFailedMessage(plan.path, "apt-get succeeded, but the file is not there"));
}
