// What `npm test` does about the Chromium that test/browser drives, decided
// from facts about the machine (gathered by scripts/ensure-chromium.ts, and
// injected by test/chromium-plan.spec.ts): go on, install Debian's package
// (as root with apt-get, as on a fresh Debian machine or in CI), or stop at
// once with the one command that fixes it. Pure: it reads and runs nothing.

/** Where Debian's `chromium` package puts the browser; the path test/browser uses by default. */
export const debianChromium = "/usr/bin/chromium";

/** The variable that points test/browser (and this check) at another Chromium binary. */
export const chromiumPathVariable = "CHROMIUM_PATH";

/** The Chromium binary test/browser launches: CHROMIUM_PATH when set (and not empty), else Debian's. */
export function chromiumPathFrom(env: Record<string, string | undefined>): string {
  const configured = env[chromiumPathVariable];
  return configured === undefined || configured === "" ? debianChromium : configured;
}

/** What the check knows about the machine. */
export interface ChromiumFacts {
  /** CHROMIUM_PATH as set; undefined (or empty) when not set. */
  configured: string | undefined;
  /** Whether the path test/browser would launch is an executable file. */
  present: boolean;
  /** Whether the process runs as root (effective uid 0). */
  root: boolean;
  /** Whether apt-get is on PATH (Debian, Ubuntu and their kin). */
  aptGet: boolean;
  /** Another Chromium or Chrome binary found on PATH (chromium-browser, google-chrome, ...), if any. */
  elsewhere: string | undefined;
}

/** The commands that install Debian's package, each an argv; run in order with DEBIAN_FRONTEND=noninteractive. */
export const aptInstall: readonly (readonly string[])[] = [
  ["apt-get", "update", "-qq"],
  // Waits for another apt or dpkg run to let go of the lock rather than failing at once.
  ["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300", "chromium"],
];

export type ChromiumPlan =
  /** The browser is there: nothing to do. */
  | { action: "ready"; path: string }
  /** Install Debian's package (after printing `announce`), then check `path` again. */
  | { action: "install"; path: string; announce: string; commands: readonly (readonly string[])[] }
  /** Stop before any test runs, printing `message`. */
  | { action: "fail"; message: string };

/** Decides what to do; see the file comment. */
export function planChromium(facts: ChromiumFacts): ChromiumPlan {
  const configured = facts.configured === "" ? undefined : facts.configured;
  if (configured !== undefined) {
    if (facts.present) return { action: "ready", path: configured };
    // A path the user chose is never "fixed" by installing something at another path.
    return {
      action: "fail",
      message:
        `${chromiumPathVariable} is ${configured}, which is not an executable file. ` +
        `Point it at a Chromium binary (${chromiumPathVariable}=/path/to/chromium npm test), or unset it to use Debian's package at ${debianChromium}.`,
    };
  }
  if (facts.present) return { action: "ready", path: debianChromium };
  if (facts.root && facts.aptGet) {
    return {
      action: "install",
      path: debianChromium,
      announce: `Chromium is missing at ${debianChromium} (the browser test needs it): installing Debian's chromium package with apt-get, once.`,
      commands: aptInstall,
    };
  }
  return { action: "fail", message: missingMessage(facts) };
}

/** The message for a missing default Chromium that this check may not install: the one command that fixes it. */
function missingMessage(facts: ChromiumFacts): string {
  const missing = `Chromium is missing at ${debianChromium}, and the browser test (test/browser) needs it; it never downloads a browser.`;
  if (facts.elsewhere !== undefined) {
    return `${missing} A Chromium is at ${facts.elsewhere}: run \`${chromiumPathVariable}=${facts.elsewhere} npm test\`.`;
  }
  if (facts.aptGet) return `${missing} Install Debian's package: \`sudo apt-get install -y chromium\`, then run npm test again.`;
  return (
    `${missing} Install Chromium with your system's package manager and point the test at its binary: ` +
    `\`${chromiumPathVariable}=/path/to/chromium npm test\`.`
  );
}

/** The message when installing did not leave a Chromium at `path`; `detail` is what apt-get said or why it stopped. */
export function installFailedMessage(path: string, detail: string): string {
  return (
    `Installing Debian's chromium package did not leave a Chromium at ${path} (${detail}). ` +
    `Install it yourself (\`apt-get install -y chromium\`), or run \`${chromiumPathVariable}=/path/to/chromium npm test\`.`
  );
}
