import { builtinModules } from "node:module";
import type { BuildOptions, Metafile } from "esbuild";
import { build } from "esbuild";

const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/**
 * Bundles an entry for the browser with esbuild and reports its inputs and
 * every Node built-in its graph imports. Built-ins are recorded (kept
 * external) rather than failing the build on the first, so a test names them all.
 */
export async function bundleForBrowser(
  entry: string,
  options: Pick<BuildOptions, "absWorkingDir"> = {},
): Promise<{ inputs: string[]; nodeBuiltinImports: string[]; metafile: Metafile }> {
  const result = await build({
    entryPoints: [entry],
    ...options,
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    plugins: [
      {
        name: "record-node-builtins",
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => (nodeBuiltins.has(args.path) ? { path: args.path, external: true } : undefined));
        },
      },
    ],
  });
  const imported = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
  return {
    inputs: Object.keys(result.metafile.inputs),
    nodeBuiltinImports: imported.filter((p) => nodeBuiltins.has(p)),
    metafile: result.metafile,
  };
}

/** Whether a module specifier names a Node built-in ("fs", "node:fs"). */
export function isNodeBuiltin(specifier: string): boolean {
  return nodeBuiltins.has(specifier);
}
