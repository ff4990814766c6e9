// The browser entry must not pull a Node built-in into a bundle.
import { builtinModules } from "node:module";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

describe("zitadel-metadata/web", () => {
  it("bundles for the browser without any Node built-in in its import graph", async () => {
    const result = await build({
      entryPoints: ["src/web.ts"],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      // Record Node built-ins instead of failing on the first, so the test names them all.
      plugins: [
        {
          name: "record-node-builtins",
          setup(b) {
            b.onResolve({ filter: /.*/ }, (args) =>
              nodeBuiltins.has(args.path) ? { path: args.path, external: true } : undefined,
            );
          },
        },
      ],
    });
    const imported = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
    expect(imported.filter((p) => nodeBuiltins.has(p))).toEqual([]);
    // The graph really is ours: the entry and the web transport are in it, connect-node is not.
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain("src/web.ts");
    expect(inputs.some((p) => p.includes("@connectrpc/connect-web"))).toBe(true);
    expect(inputs.some((p) => p.includes("@connectrpc/connect-node"))).toBe(false);
  });

  it("and the Node entry, bundled the same way, does import Node built-ins (the check can fail)", async () => {
    const result = await build({
      entryPoints: ["src/index.ts"],
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      packages: "bundle",
    });
    const imported = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
    expect(imported.some((p) => nodeBuiltins.has(p))).toBe(true);
  });
});
