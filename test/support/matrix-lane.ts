// One lane of the version matrix: a Node binary and a set of peer versions,
// and a project that installed the packed tarball with those peers, kept in a
// cache between runs. The cache key is the tarball's hash, the lane and its
// versions: a new build, or a new release on the registry, gives a new project.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PeerName, PeerVersions } from "./packed-package.js";
import { npm, npmInstall, peerNames, root, succeed } from "./packed-package.js";

/** Where the Node binaries and the lanes' projects are kept (a fresh CI run starts without). */
export const matrixCache = join(root, "node_modules", ".cache", "zitadel-metadata-matrix");

/**
 * How the user's project came to have both: "peers-first" has connect and
 * protobuf installed and then adds us; "package-first" adds us to an empty
 * project (npm installs the required peers) and then installs its own
 * connect and protobuf at the lane's versions.
 */
export type InstallOrder = "peers-first" | "package-first";

export interface LaneSetup {
  /** A short name for messages, e.g. "Node 20, lowest peers". */
  label: string;
  /** The cache's directory name prefix, e.g. "node20-lowest". */
  id: string;
  peers: PeerVersions;
  order: InstallOrder;
}

export interface PreparedLane {
  dir: string;
  /** Whether this run installed it (false: found in the cache). */
  installed: boolean;
}

/** The newest release of each peer on the registry (`npm view <name> version`, i.e. the latest tag). */
export async function newestPeerVersions(cwd: string): Promise<PeerVersions> {
  const versions = await Promise.all(
    peerNames.map(async (name) => {
      const out = await succeed(npm, ["view", name, "version"], cwd, { what: `the newest ${name} on the registry` });
      return [name, out.trim()] as const;
    }),
  );
  return Object.fromEntries(versions) as PeerVersions;
}

const specs = (peers: PeerVersions) => peerNames.map((name) => `${name}@${peers[name]}`);

/**
 * The lane's project, from the cache or installed now. It is installed in a
 * directory of its own and renamed into place when complete, so an
 * interrupted run or two runs at once never leave a half-installed lane.
 */
export async function prepareLane(lane: LaneSetup, tarball: string): Promise<PreparedLane> {
  const tarballHash = createHash("sha256")
    .update(await readFile(tarball))
    .digest("hex");
  const key = createHash("sha256")
    .update(JSON.stringify({ tarballHash, peers: lane.peers, order: lane.order }))
    .digest("hex")
    .slice(0, 16);
  const dir = join(matrixCache, "lanes", `${lane.id}-${key}`);
  const ready = join(dir, "lane-ready.json");
  if (existsSync(ready)) {
    const now = new Date();
    await utimes(dir, now, now);
    return { dir, installed: false };
  }

  const staging = `${dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await writeFile(join(staging, "package.json"), JSON.stringify({ name: "matrix-consumer", version: "1.0.0", private: true }));
    const what = (step: string) => `lane ${lane.label}: ${step}`;
    // The user's own dependencies are saved exact, so the next install keeps them.
    const own = { extra: ["--save-exact"] };
    if (lane.order === "peers-first") {
      await npmInstall(staging, specs(lane.peers), { what: what("npm install of the connect packages and protobuf"), ...own });
      await npmInstall(staging, [tarball], { what: what("npm install of the packed zitadel-metadata") });
    } else {
      await npmInstall(staging, [tarball], { what: what("npm install of the packed zitadel-metadata alone") });
      await npmInstall(staging, specs(lane.peers), { what: what("npm install of the connect packages and protobuf after it"), ...own });
    }
    await writeFile(join(staging, "lane-ready.json"), JSON.stringify({ ...lane, tarballHash }, null, 2));
    try {
      await rename(staging, dir);
    } catch (e) {
      if (!existsSync(ready)) throw e; // else another run finished the same lane first
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  await pruneLanes(lane.id, dir);
  return { dir, installed: true };
}

/** Removes the lane's older projects (other builds, older releases) not used for a day. */
async function pruneLanes(id: string, keep: string): Promise<void> {
  const lanes = join(matrixCache, "lanes");
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of await readdir(lanes)) {
    const path = join(lanes, name);
    if (path === keep || !name.startsWith(`${id}-`) || name.includes(".partial-")) continue;
    if ((await stat(path)).mtimeMs < dayAgo) await rm(path, { recursive: true, force: true });
  }
}

/**
 * Every copy of a package in the project's tree, as the version of each, with
 * where it sits: one entry per package means npm deduplicated it.
 */
export async function installedCopies(project: string, name: PeerName | "zitadel-metadata"): Promise<{ path: string; version: string }[]> {
  const found: { path: string; version: string }[] = [];
  const visit = async (modules: string): Promise<void> => {
    if (!existsSync(modules)) return;
    const candidate = join(modules, name, "package.json");
    if (existsSync(candidate)) {
      found.push({ path: candidate.slice(project.length + 1), version: (JSON.parse(await readFile(candidate, "utf8")) as { version: string }).version });
    }
    for (const entry of await readdir(modules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const packages = entry.name.startsWith("@")
        ? (await readdir(join(modules, entry.name))).map((n) => join(modules, entry.name, n))
        : [join(modules, entry.name)];
      for (const pkg of packages) await visit(join(pkg, "node_modules"));
    }
  };
  await visit(join(project, "node_modules"));
  return found;
}
