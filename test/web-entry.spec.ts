// The browser entry must not pull a Node built-in into a bundle.
import { builtinModules } from "node:module";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import * as nodeEntry from "../src/index.js";
import * as webEntry from "../src/web.js";

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

  it("offers the same API as the Node entry: transports, clients, interceptor, high-level API, errors", () => {
    expect(Object.keys(webEntry).sort()).toEqual(Object.keys(nodeEntry).sort());
    for (const name of [
      "createZitadelTransport",
      "createRestTransport",
      "createManagementClient",
      "createAuthClient",
      "createZitadelInterceptor",
      "withOrgId",
      "createMetadataClient",
      "getErrorDetail",
      "ZitadelError",
    ]) {
      expect(typeof (webEntry as Record<string, unknown>)[name], name).toBe("function");
    }
    // Each browser protocol builds a transport without touching the network.
    for (const protocol of ["grpc-web", "connect", "rest"] as const) {
      const transport = webEntry.createZitadelTransport({ baseUrl: "https://acme.zitadel.cloud", protocol, auth: "pat" });
      expect(typeof transport.unary).toBe("function");
    }
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
