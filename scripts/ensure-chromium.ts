// The first step of `npm test`: makes sure the Chromium that test/browser drives
// is there before anything spends minutes. Where it is missing and we run as
// root with apt-get (a fresh Debian machine, CI), it installs Debian's
// `chromium` package; elsewhere it stops at once with the one command that
// fixes it. scripts/chromium-plan.ts decides; this file gathers the facts and acts.
// Usage: node --import tsx scripts/ensure-chromium.ts   (CHROMIUM_PATH=... for another binary)
import type { ChromiumFacts } from "./chromium-plan.js";
import { chromiumPathFrom, chromiumPathVariable, installFailedMessage, planChromium } from "./chromium-plan.js";
import { isExecutableFile, onPath, runsAsRoot } from "./executables.js";
import { runAptGet } from "./run-apt-get.js";

/** Names other systems give Chromium (or Chrome), looked up on PATH for the hint. */
const otherNames = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "chrome"];

function gatherFacts(path: string): ChromiumFacts {
  return {
    configured: process.env[chromiumPathVariable],
    present: isExecutableFile(path),
    root: runsAsRoot(),
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
  const failed = runAptGet(plan.commands);
  if (failed !== undefined) fail(installFailedMessage(plan.path, failed));
  if (!isExecutableFile(plan.path)) fail(installFailedMessage(plan.path, "apt-get succeeded, but the file is not there"));
}
