// Builds dist/ twice from the same sources: dist/esm (ES modules, everything,
// the zmeta CLI included) and dist/cjs (CommonJS, the three public entries
// and what they import). Each format has its own .d.ts files, so TypeScript
// sees CommonJS types for require() and ESM types for import.
// Usage: node scripts/build.js   (npm run build; `prepare` runs it on install)
//
// TypeScript picks a file's module format from the nearest package.json, not
// from a flag, and ours says "type": "module". So the CommonJS run compiles a
// copy of src/ and gen/ staged under a package.json that says "commonjs":
// with module NodeNext that gives real CommonJS that resolves dependencies
// through their "require" conditions, as Node will, and keeps any dynamic
// import() as import() (which is how CommonJS loads an ESM-only module).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, readdir, rm, rmdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
// Per process, so that two builds at once (two terminals, one checkout) do not collide.
const stagingPrefix = ".cjs-staging-";
const staging = join(dist, `${stagingPrefix}${process.pid}`);
/** The entries the exports map offers to require(); the CLI is ESM only (bin/zmeta.js imports it). */
const cjsEntries = ["src/index.ts", "src/web.ts", "src/quick.ts", "src/quick-web.ts", "src/emulator/index.ts"];

if (!existsSync(tsc)) {
  console.error(`build: ${tsc} is missing; run \`npm install\` first.`);
  process.exit(1);
}

// dist/ is not removed first: tests and a running zmeta may be reading it, and
// tsc overwrites every file anyway. What this build did not write (a deleted
// source's output, an older layout) is removed at the end instead.
await rm(staging, { recursive: true, force: true });
await stageCommonJsSources();
let emitted;
try {
  // Two independent compilations: run them side by side.
  emitted = await Promise.all([
    run(tsc, ["-p", join(root, "tsconfig.build.json"), "--listEmittedFiles"], "esm"),
    run(tsc, ["-p", join(staging, "tsconfig.json"), "--listEmittedFiles"], "cjs"),
  ]);
} finally {
  await rm(staging, { recursive: true, force: true });
}
if (emitted.some((files) => files === undefined)) process.exit(1);
// Node reads this to know that dist/cjs/**/*.js are CommonJS despite our "type": "module".
const cjsMarker = join(dist, "cjs", "package.json");
await writeFile(cjsMarker, `${JSON.stringify({ type: "commonjs" })}\n`);
const stale = await removeAllBut(dist, new Set([cjsMarker, ...emitted.flat()]));
console.log(
  `build: dist/esm (ES modules) and dist/cjs (CommonJS), each with its .d.ts${stale > 0 ? `; removed ${stale} stale file${stale === 1 ? "" : "s"}` : ""}`,
);

async function stageCommonJsSources() {
  await mkdir(staging, { recursive: true });
  const onlyTypeScript = (source) => !/\.[cm]?[jt]sx?$/.test(source) || source.endsWith(".ts");
  await Promise.all(["src", "gen"].map((dir) => cp(join(root, dir), join(staging, dir), { recursive: true, filter: onlyTypeScript })));
  await writeFile(join(staging, "package.json"), `${JSON.stringify({ type: "commonjs", private: true })}\n`);
  const tsconfig = {
    extends: "../../tsconfig.build.json",
    compilerOptions: {
      rootDir: ".",
      outDir: "../cjs",
      // It forbids import/export syntax in a CommonJS file; the sources use
      // `import type` for every type-only import, so elision is the same.
      verbatimModuleSyntax: false,
    },
    files: cjsEntries,
    include: [],
  };
  await writeFile(join(staging, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
}

/** Runs tsc; resolves to the absolute paths it wrote, or undefined when it failed (after printing why). */
function run(command, args, label) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [command, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (e) => {
      console.error(`build (${label}): ${e.message}`);
      done(undefined);
    });
    child.on("close", (code) => {
      const lines = output.split(/\r?\n/);
      if (code !== 0) {
        // Errors in the staged copy name dist/.cjs-staging-<pid>/src/…; the same line exists in src/.
        console.error(
          `build (${label}) failed:\n${lines
            .filter((l) => !l.startsWith("TSFILE: "))
            .join("\n")
            .trimEnd()}`,
        );
        done(undefined);
        return;
      }
      done(lines.filter((l) => l.startsWith("TSFILE: ")).map((l) => resolve(l.slice("TSFILE: ".length).trim())));
    });
  });
}

/**
 * Deletes every file under dir that is not in keep, then empty directories;
 * returns how many files went. Another build's staging directory is left alone.
 */
async function removeAllBut(dir, keep) {
  let removed = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name.startsWith(stagingPrefix)) continue;
    if (entry.isDirectory()) {
      removed += await removeAllBut(path, keep);
      if ((await readdir(path)).length === 0) await rmdir(path);
    } else if (!keep.has(path)) {
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}
