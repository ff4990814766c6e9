// Finding programs on this machine, for the checks `npm test` runs first
// (scripts/ensure-chromium.ts, scripts/ensure-python-toolchain.ts).
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Whether `path` is a regular file this process may execute. */
export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable called `name` on PATH. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Whether the process runs as root (effective uid 0); false where there are no uids. */
export function runsAsRoot(): boolean {
  return process.geteuid?.() === 0;
}
