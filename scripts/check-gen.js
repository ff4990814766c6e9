// Fails when gen/ (protoc-gen-es) or docs/proto/ (the Markdown reference,
// scripts/protoc-gen-reference.ts) is not what `buf generate` makes from proto/
// today, so a .proto edit without regenerating (or a hand edit of either)
// cannot slip in. The directories compared are the `out:` of each plugin in
// buf.gen.yaml.
// Usage: node scripts/check-gen.js   (npm run check:gen)
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { binDir, buf } from "./buf.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const outputs = await pluginOutputs(join(root, "buf.gen.yaml"));
const fix = `run \`npm run generate\` and commit ${outputs.map((o) => `${o}/`).join(" and ")}`;

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
      // buf.gen.yaml names the local plugin protoc-gen-es, which lives in node_modules/.bin;
      // the reference plugin runs with node from the repository root.
      env: { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ""}` },
      shell: process.platform === "win32",
    });
  } catch (e) {
    const stderr = typeof e.stderr === "string" ? e.stderr.trim() : "";
    console.error(`check-gen: \`buf generate\` failed: ${stderr || e.message}`);
    process.exit(1);
  }
  problems = [];
  for (const dir of outputs) problems.push(...(await compareTrees(join(out, dir), join(root, dir), dir)));
} finally {
  await rm(out, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`check-gen: ${outputs.map((o) => `${o}/`).join(" and ")} do not match proto/:`);
  for (const p of problems) console.error(`  ${p}`);
  console.error(`check-gen: ${fix}`);
  process.exit(1);
}
console.log(`check-gen: ${outputs.map((o) => `${o}/`).join(" and ")} are up to date with proto/`);

/** The `out:` directory of each plugin in buf.gen.yaml, as written there (relative, /-separated). */
async function pluginOutputs(template) {
  const text = await readFile(template, "utf8");
  const found = [...text.matchAll(/^\s+out:\s*(\S+)\s*$/gm)].map((m) => m[1].replace(/\/+$/, ""));
  if (found.length === 0) {
    console.error(`check-gen: ${template} names no plugin \`out:\` directory; each plugin needs one.`);
    process.exit(1);
  }
  return found;
}

/** Lines naming each file that differs, is missing from `label`/, or should not be there, by path. */
async function compareTrees(fresh, current, label) {
  const [want, have] = await Promise.all([listFiles(fresh), listFiles(current)]);
  const found = [];
  for (const file of want) {
    if (!have.has(file)) {
      found.push({ file, line: `missing: ${label}/${file}` });
      continue;
    }
    const [a, b] = await Promise.all([readFile(join(fresh, file)), readFile(join(current, file))]);
    if (!a.equals(b)) found.push({ file, line: `differs: ${label}/${file}` });
  }
  for (const file of have) {
    if (!want.has(file)) found.push({ file, line: `extra:   ${label}/${file} (no .proto produces it)` });
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
