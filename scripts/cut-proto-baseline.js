// Cuts the proto baseline of a release: builds proto/ into
// proto-baseline/v<version>.binpb for the version in package.json (descriptors
// only: --exclude-source-info, so comments never count) and removes the images
// of earlier releases, which stay in git history. Run it after
// `npx changeset version` has set the release's version, and commit the image
// with the release; `npm run check:breaking` then compares every later change
// with it.
// Usage: node scripts/cut-proto-baseline.js [dir]   (npm run proto:baseline)
//   dir: a directory with buf.yaml, proto/ and package.json instead of this repository (for tests).
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buf, buildImage } from "./buf.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = resolve(process.argv[2] ?? root);
const baselines = join(dir, "proto-baseline");

if (!existsSync(buf)) fail(`${buf} is missing; run \`npm install\` first.`);
if (!existsSync(join(dir, "buf.yaml"))) fail(`${dir} has no buf.yaml; run it in the repository root.`);
const { version } = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
if (!/^\d+\.\d+\.\d+$/.test(version))
  fail(`package.json's version "${version}" is not a release version (x.y.z); set it with \`npx changeset version\` first.`);

const name = `v${version}.binpb`;
await mkdir(baselines, { recursive: true });
const built = await buildImage(dir, join(baselines, name));
if (built.code !== 0) fail(`\`buf build\` failed (exit ${built.code}): ${(built.stderr || built.stdout).trim()}`);
const earlier = (await readdir(baselines)).filter((file) => file.endsWith(".binpb") && file !== name);
for (const file of earlier) await rm(join(baselines, file));
console.log(
  `cut-proto-baseline: wrote proto-baseline/${name}${earlier.length > 0 ? `, removed ${earlier.join(", ")} (kept in git history)` : ""}; commit it with the release`,
);

function fail(message) {
  console.error(`cut-proto-baseline: ${message}`);
  process.exit(1);
}
