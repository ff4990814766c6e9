// Runs apt-get commands for the checks `npm test` runs first
// (scripts/ensure-chromium.ts, scripts/ensure-python-toolchain.ts): each argv
// in order, non-interactive, with apt's progress dropped and its errors kept.
import { spawnSync } from "node:child_process";

/**
 * Runs each argv in order and stops at the first that fails. Returns undefined
 * when all succeeded, else one line saying which command failed, how, and
 * the last error or warning lines apt printed.
 */
export function runAptGet(commands: readonly (readonly string[])[]): string | undefined {
  for (const argv of commands) {
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
      return `\`${argv.join(" ")}\` ${how}${said ? `: ${said}` : ""}`;
    }
  }
  return undefined;
}
