// Checks the release notes: .changeset/config.json is a configuration
// changesets accepts, every pending changeset (.changeset/*.md) parses and
// names only this package, and CHANGELOG.md's newest version is the one in
// package.json (`npx changeset version` keeps them so; a hand edit of either
// that forgets the other fails here).
// Usage: node scripts/check-changelog.js   (npm run check:changelog; part of npm test)
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { read } from "@changesets/config";
import parseChangeset from "@changesets/parse";

const root = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
const problems = [];

const packages = { root: { dir: root, packageJson: manifest }, packages: [{ dir: root, packageJson: manifest }], tool: "root" };
try {
  await read(root, packages);
} catch (e) {
  problems.push(`.changeset/config.json: ${e.message}`);
}

for (const name of (await readdir(join(root, ".changeset"))).filter((n) => n.endsWith(".md") && n !== "README.md")) {
  try {
    const { releases } = parseChangeset(await readFile(join(root, ".changeset", name), "utf8"));
    const others = releases.filter((r) => r.name !== manifest.name).map((r) => r.name);
    if (releases.length === 0) problems.push(`.changeset/${name}: names no package; start it with ---\\n"${manifest.name}": patch\\n---`);
    if (others.length > 0) problems.push(`.changeset/${name}: names ${others.join(", ")}; this repository has only "${manifest.name}"`);
  } catch (e) {
    problems.push(`.changeset/${name}: ${e.message}`);
  }
}

const changelog = await readFile(join(root, "CHANGELOG.md"), "utf8");
const newest = /^## (\S+)/m.exec(changelog)?.[1];
if (newest === undefined) problems.push('CHANGELOG.md has no "## <version>" heading');
else if (newest !== manifest.version) {
  problems.push(
    `CHANGELOG.md's newest version is ${newest} but package.json says ${manifest.version}; run \`npx changeset version\` rather than editing either by hand`,
  );
}

if (problems.length > 0) {
  for (const p of problems) console.error(`check-changelog: ${p}`);
  process.exit(1);
}
console.log(`check-changelog: changeset config valid; CHANGELOG.md starts at ${newest}, as package.json`);
