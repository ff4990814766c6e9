// The package as npm would publish it, and the child processes that use it:
// `npm pack` of the current build, `npm install` into a project outside this
// checkout, and commands whose failure shows everything they printed. Shared
// by test/package.spec.ts (one project, the versions we develop on) and
// test/version-matrix.spec.ts (one project per Node and dependency lane).
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const npm = process.platform === "win32" ? "npm.cmd" : "npm";
/** Our devDependency's tsc: the lanes type-check with the TypeScript we develop on, whatever the registry's newest is. */
export const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
/** Node's types for the type checks (Node 20's; what Node 24 adds is not used by the package). */
export const nodeTypeRoot = join(root, "node_modules", "@types");

/** The connect packages and protobuf: peer dependencies, so a user's tree holds one copy of each. */
export const peerNames = ["@connectrpc/connect", "@connectrpc/connect-node", "@connectrpc/connect-web", "@bufbuild/protobuf"] as const;
export type PeerName = (typeof peerNames)[number];
export type PeerVersions = Record<PeerName, string>;

interface Manifest {
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export function manifest(): Manifest {
  return JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Manifest;
}

/** The exact versions we develop on (our devDependency pins of the peers). */
export function developedPeerVersions(): PeerVersions {
  const dev = manifest().devDependencies;
  return Object.fromEntries(peerNames.map((name) => [name, dev[name]])) as PeerVersions;
}

/** Our environment without npm's: `npm test` exports npm_config_* and friends, which would steer the inner npm. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))), ...extra };
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export function run(file: string, args: string[], cwd: string, options: RunOptions = {}): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd,
        env: options.env ?? cleanEnv(),
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        shell: process.platform === "win32" && file === npm,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        const killed = error?.killed ? `\n(killed after ${options.timeoutMs ?? 60_000} ms: ${error.signal ?? "timeout"})` : "";
        resolve({ code, stdout, stderr: stderr + killed });
      },
    );
  });
}

/**
 * Runs a command that must succeed and returns its stdout. A failure names
 * `what` (e.g. the lane and step), the command, its exit code, and shows
 * everything it printed.
 */
export async function succeed(file: string, args: string[], cwd: string, options: RunOptions & { what?: string } = {}): Promise<string> {
  const r = await run(file, args, cwd, options);
  if (r.code !== 0) {
    const head = options.what ? `${options.what}: ` : "";
    throw new Error(`${head}${[file, ...args].join(" ")} (in ${cwd}) exited with ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return r.stdout;
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Fails unless dist/ holds a build at least as new as src/ and gen/: the
 * tarball is packed from dist/ as it is (`npm test` builds it first).
 */
export async function assertBuildIsCurrent(): Promise<void> {
  const built = ["dist/esm/src/index.js", "dist/cjs/src/index.js"].map((f) => join(root, f));
  for (const file of built) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (\`npm test\` does).`);
  }
  const sources = Math.max(await newestMtime(join(root, "src")), await newestMtime(join(root, "gen")));
  const oldestBuild = Math.min(...built.map((f) => statSync(f).mtimeMs));
  if (sources > oldestBuild) {
    throw new Error(`dist/ is older than src/ or gen/: run \`npm run build\` first (\`npm test\` does); the tarball would not be the current code.`);
  }
}

export interface Packed {
  /** Absolute path of the .tgz. */
  tarball: string;
  /** The paths inside the package, as npm lists them. */
  files: string[];
}

/** `npm pack` of the current build into `destination`. */
export async function packPackage(destination: string): Promise<Packed> {
  await assertBuildIsCurrent();
  // --ignore-scripts: `prepare` would rebuild dist/, which npm test has just done.
  const out = await succeed(npm, ["pack", "--ignore-scripts", "--json", "--pack-destination", destination], root, { what: "npm pack" });
  const packed = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  return { tarball: join(destination, packed[0]!.filename), files: packed[0]!.files.map((f) => f.path) };
}

/** The flags of every install in a test: from npm's cache where it can, quiet, no audit. */
export const installFlags = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];

/** `npm install` of `specs` (tarball paths or name@version) in `project`. */
export async function npmInstall(project: string, specs: string[], options: { what: string; extra?: string[]; timeoutMs?: number }): Promise<void> {
  await succeed(npm, ["install", ...specs, ...installFlags, ...(options.extra ?? [])], project, {
    what: options.what,
    timeoutMs: options.timeoutMs ?? 180_000,
  });
}
