import { existsSync } from "node:fs";
import type { BrowserContext } from "playwright-core";
import { chromium } from "playwright-core";
import { chromiumPathFrom } from "../../scripts/chromium-plan.js";

/** Debian's chromium package; CHROMIUM_PATH points elsewhere on other systems (the rule `npm test` checks first). */
export const chromiumPath = chromiumPathFrom(process.env);

/** Why the browser tests cannot run here, or undefined when Chromium is where the rule says. */
export function chromiumMissing(): Error | undefined {
  if (existsSync(chromiumPath)) return undefined;
  return new Error(
    `Chromium is missing at ${chromiumPath}. \`npm run check:chromium\` (the first step of npm test) installs Debian's ` +
      "package as root with apt-get, or says the one command to run; or set CHROMIUM_PATH to a Chromium binary. The test never downloads a browser.",
  );
}

/** Headless Chromium with a fresh profile in profileDir; fails (never skips) when Chromium is missing. */
export async function launchChromium(profileDir: string): Promise<BrowserContext> {
  const missing = chromiumMissing();
  if (missing !== undefined) throw missing;
  // A persistent context is how playwright takes a --user-data-dir of our choosing.
  return chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
