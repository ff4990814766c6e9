// Fails when gen/ is not what `buf generate` makes from proto/ today, so a
// .proto edit without regenerating (or a hand edit of gen/) cannot slip in.
// Usage: node scripts/check-gen.js   (npm run check:gen)
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const binDir = join(root, "node_modules", ".bin");
const buf = join(binDir, process.platform === "win32" ? "buf.cmd" : "buf");
const committed = join(root, "gen");
const fix = "run `npm run generate` and commit gen/";

if (!existsSync(buf)) {
  console.error(`check-gen: ${buf} is missing; run \`npm install\` first.`);
  process.exit(1);
}

const out = await mkdtemp(join(tmpdir(), "zmeta-check-gen-"));
let problems;
try {
  try {
    await promisify(execFile)(buf, ["generate", "--output", out], {
      cwd: root,
      // buf.gen.yaml names the local plugin protoc-gen-es, which lives in node_modules/.bin.
      env: { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ""}` },
      shell: process.platform === "win32",
    });
  } catch (e) {
    const stderr = typeof e.stderr === "string" ? e.stderr.trim() : "";
    console.error(`check-gen: \`buf generate\` failed: ${stderr || e.message}`);
    process.exit(1);
  }
  problems = await compareTrees(join(out, "gen"), committed);
} finally {
  await rm(out, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`check-gen: gen/ does not match proto/:`);
  for (const p of problems) console.error(`  ${p}`);
  console.error(`check-gen: ${fix}`);
  process.exit(1);
}
console.log("check-gen: gen/ is up to date with proto/");

/** Lines naming each file that differs, is missing from gen/, or should not be there, by path. */
async function compareTrees(fresh, current) {
  const [want, have] = await Promise.all([listFiles(fresh), listFiles(current)]);
  const found = [];
  for (const file of want) {
    if (!have.has(file)) {
      found.push({ file, line: `missing: gen/${file}` });
      continue;
    }
    const [a, b] = await Promise.all([readFile(join(fresh, file)), readFile(join(current, file))]);
    if (!a.equals(b)) found.push({ file, line: `differs: gen/${file}` });
  }
  for (const file of have) {
    if (!want.has(file)) found.push({ file, line: `extra:   gen/${file} (no .proto produces it)` });
  }
  return found.sort((x, y) => x.file.localeCompare(y.file)).map((f) => f.line);
}

/** Every file under dir, as /-separated paths relative to it; empty when dir does not exist. */
async function listFiles(dir) {
  if (!existsSync(dir)) return new Set();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return new Set(
    entries
      .filter((e) => e.isFile())
      // parentPath is Node >= 20.12; path is the older name of the same field.
      .map((e) =>
        relative(dir, join(e.parentPath ?? e.path, e.name))
          .split(sep)
          .join("/"),
      ),
  );
}
