import { existsSync } from "node:fs";
import type { BrowserContext } from "playwright-core";
import { chromium } from "playwright-core";

/** Debian's chromium package; CHROMIUM_PATH points elsewhere on other systems. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless Chromium with a fresh profile in profileDir; fails (never skips) when Chromium is missing. */
export async function launchChromium(profileDir: string): Promise<BrowserContext> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is missing at ${chromiumPath}. Install Debian's package with \`apt-get install -y chromium\` ` +
        "(.ci/run does), or set CHROMIUM_PATH to a Chromium binary. The test never downloads a browser.",
    );
  }
  // A persistent context is how playwright takes a --user-data-dir of our choosing.
  return chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
