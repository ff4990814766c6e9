// Lints what npm would publish: packs the package once (as `npm publish`
// would, but without running `prepare` again: run `npm run build` first), then
// runs publint --strict and Are the Types Wrong? on that tarball.
// Usage: node scripts/check-package.js   (npm run check:package; part of npm test;
// CHECK_PACKAGE_VERBOSE=1 also prints the reports when they are clean)
//
// attw runs with --profile node16: TypeScript's old "node10" resolution
// ignores exports maps, so it cannot see ./web or ./emulator; serving it would
// take typesVersions or stub directories, which we do not want to maintain.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => join(root, "node_modules", ".bin", process.platform === "win32" ? `${name}.cmd` : name);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const exec = promisify(execFile);

for (const required of [join(root, "dist", "esm", "src", "index.js"), join(root, "dist", "cjs", "src", "index.js")]) {
  if (!existsSync(required)) {
    console.error(`check-package: ${required} is missing; run \`npm run build\` first.`);
    process.exit(1);
  }
}

const out = await mkdtemp(join(tmpdir(), "zmeta-check-package-"));
let failed = false;
try {
  const { stdout } = await exec(npm, ["pack", "--ignore-scripts", "--json", "--pack-destination", out], {
    cwd: root,
    shell: process.platform === "win32",
  });
  const tarball = join(out, JSON.parse(stdout)[0].filename);
  for (const [name, args] of [
    ["publint", ["run", tarball, "--strict"]],
    ["attw", [tarball, "--profile", "node16"]],
  ]) {
    try {
      const { stdout: report } = await exec(bin(name), args, { cwd: root, shell: process.platform === "win32" });
      console.log(`check-package: ${name} found no problems`);
      if (process.env.CHECK_PACKAGE_VERBOSE) console.log(report);
    } catch (e) {
      failed = true;
      console.error(`check-package: ${name} ${args.join(" ")} reported problems:\n${e.stdout ?? ""}${e.stderr ?? e.message}`);
    }
  }
} finally {
  await rm(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
