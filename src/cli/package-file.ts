import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageName = "zitadel-metadata";

/**
 * The directory of this package's package.json: the first one above this
 * module whose name is ours. Found by walking up rather than by a fixed
 * number of `..`, because the module runs from dist/esm/src/cli/ in the
 * package and from src/cli/ in tests (dist/cjs/package.json, which names no
 * package, is passed over).
 */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === packageName) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json of ${packageName} above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The text of a file the package ships, by its path inside the package (e.g. "schema/emulator-seed.schema.json"). */
export function readPackageFile(path: string): string {
  return readFileSync(join(packageRoot(), path), "utf8");
}

/** The package's version, as its package.json says at run time. */
export function packageVersion(): string {
  const { version } = JSON.parse(readPackageFile("package.json")) as { version?: unknown };
  if (typeof version !== "string") throw new Error(`${packageName}'s package.json has no version`);
  return version;
}
