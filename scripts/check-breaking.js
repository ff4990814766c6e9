// Fails when proto/ breaks the wire, the JSON or the REST bindings of the last
// release: runs `buf breaking` (buf.yaml's rules: WIRE_JSON and the RPC paths)
// against the baseline image of the release package.json names,
// proto-baseline/v<version>.binpb, and checks that every google.api.http
// binding of the release is still there (http-bindings.js, which buf does not
// check); prints each violation with its rule id, then what to do about it. A
// version without its image fails too: every release commits the image of its
// protos (npm run proto:baseline), so "the last release" is never a guess.
// Usage: node scripts/check-breaking.js [dir]   (npm run check:breaking; part of npm test)
//   dir: a directory with buf.yaml, proto/, package.json and proto-baseline/ to check instead of this repository (for tests).
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buf, buildImage, runBuf } from "./buf.js";
import { httpBindingRule, lostHttpBindings } from "./http-bindings.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = resolve(process.argv[2] ?? root);
const baselines = join(dir, "proto-baseline");
const howToCut = 'README.md, "Cutting a new proto baseline"';

if (!existsSync(buf)) fail(`${buf} is missing; run \`npm install\` first.`);
if (!existsSync(join(dir, "buf.yaml"))) fail(`${dir} has no buf.yaml; run it in the repository root or pass a directory with buf.yaml and proto/.`);

const baseline = await releaseBaseline();
const label = `release ${baseline.version} (${relative(dir, baseline.path).split("\\").join("/")})`;
const result = await runBuf(["breaking", ".", "--against", baseline.path, "--error-format", "json"], dir);

// buf exits with 100 for rule violations, each a JSON object on its own line; anything else is buf failing to run.
if (result.code !== 0 && result.code !== 100) fail(`\`buf breaking\` failed (exit ${result.code}): ${(result.stderr || result.stdout).trim()}`);
const violations = result.code === 100 ? parseViolations(result.stdout) : [];
if (result.code === 100 && violations.length === 0)
  fail(`\`buf breaking\` failed (exit 100) without naming a rule: ${(result.stderr || result.stdout).trim()}`);

// buf reports .proto files it cannot compile the same way, as type COMPILE.
if (violations.some((v) => v.type === "COMPILE")) {
  console.error("check-breaking: proto/ does not compile:");
  for (const v of violations) console.error(`  ${v.path}:${v.start_line}:${v.start_column}: ${v.message}`);
  fail("fix the .proto files first (`node_modules/.bin/buf build` shows the same errors).");
}
const lostBindings = lostHttpBindings(await readFile(baseline.path), await currentImage(), `release ${baseline.version}`);

if (violations.length === 0 && lostBindings.length === 0) {
  console.log(`check-breaking: proto/ keeps the wire, JSON and REST bindings of ${label}`);
  process.exit(0);
}
console.error(`check-breaking: proto/ breaks the wire, JSON or REST bindings of ${label}:`);
for (const v of violations) console.error(`  ${v.path}:${v.start_line}:${v.start_column}: ${v.type}: ${v.message}`);
for (const v of lostBindings) console.error(`  ${v.path}: ${httpBindingRule}: ${v.message}`);
console.error(
  "check-breaking: clients built from the released protos would misread these messages or call RPCs and REST routes that are gone. Undo the " +
    "change (to drop a field, keep its number and name in `reserved`; never reuse or renumber one; to move a REST route, add the new path as an " +
    `additional_bindings entry and keep the old one), or, for a deliberate break in a new major version, cut a new baseline: see ${howToCut}.`,
);
process.exit(1);

/** proto/ as it is now, built into an image like the baseline's. */
async function currentImage() {
  const tmp = await mkdtemp(join(tmpdir(), "check-breaking-"));
  try {
    const out = join(tmp, "current.binpb");
    const built = await buildImage(dir, out);
    if (built.code !== 0) fail(`\`buf build\` failed (exit ${built.code}): ${(built.stderr || built.stdout).trim()}`);
    return await readFile(out);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The baseline image of the version in package.json: proto-baseline/v<major>.<minor>.<patch>.binpb. */
async function releaseBaseline() {
  const manifest = join(dir, "package.json");
  if (!existsSync(manifest)) fail(`${dir} has no package.json to read the released version from.`);
  const { version } = JSON.parse(await readFile(manifest, "utf8"));
  const path = join(baselines, `v${version}.binpb`);
  if (existsSync(path)) return { path, version };
  const names = existsSync(baselines) ? (await readdir(baselines)).filter((name) => name.endsWith(".binpb")) : [];
  const found = names.length === 0 ? "it has none" : `it has ${names.join(", ")}`;
  fail(
    `package.json says version ${version}, but proto-baseline/ has no v${version}.binpb (${found}). Every release commits the image of its ` +
      `protos: run \`npm run proto:baseline\` after \`npx changeset version\` and commit it with the release; see ${howToCut}.`,
  );
}

function parseViolations(stdout) {
  return stdout
    .split("\n")
    .filter((line) => line.trim().startsWith("{"))
    .map((line) => JSON.parse(line));
}

function fail(message) {
  console.error(`check-breaking: ${message}`);
  process.exit(1);
}
