// The layers of src/ only point down. Each folder (or entry file) is a layer
// that may import the layers listed for it and nothing above; the emulator
// never reaches client code; the CLI uses the package's public entries only.
// `import type` counts too: a type from above is a dependency from above.
import { describe, expect, it } from "vitest";
import type { Edge } from "./support/import-graph.js";
import { importGraph } from "./support/import-graph.js";

interface Layer {
  name: string;
  /** Files of the layer: a folder prefix or exact paths. */
  files: (path: string) => boolean;
  /** Layers it may import (besides itself). */
  may: string[];
  /** Whether it may import generated code (gen/). */
  gen: boolean;
}

const folder = (prefix: string) => (path: string) => path.startsWith(prefix);
const exactly =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);

/** From the bottom up; ARCHITECTURE.md describes the same table. */
const layers: Layer[] = [
  { name: "core", files: folder("src/core/"), may: [], gen: false },
  { name: "http-rule", files: folder("src/http-rule/"), may: ["core"], gen: true },
  { name: "zitadel", files: folder("src/zitadel/"), may: ["core", "http-rule"], gen: true },
  { name: "auth", files: folder("src/auth/"), may: ["core", "zitadel"], gen: false },
  { name: "interceptor", files: folder("src/interceptor/"), may: ["core", "zitadel", "auth"], gen: true },
  { name: "transport", files: folder("src/transport/"), may: ["core", "http-rule", "zitadel", "auth", "interceptor"], gen: true },
  { name: "metadata", files: folder("src/metadata/"), may: ["core", "zitadel"], gen: true },
  {
    name: "entries",
    files: exactly("src/index.ts", "src/web.ts", "src/shared-api.ts", "src/quick.ts", "src/quick-web.ts"),
    may: ["core", "http-rule", "zitadel", "auth", "interceptor", "transport", "metadata", "entries"],
    gen: true,
  },
  // The emulator is ZITADEL's stand-in: it knows ZITADEL's facts, never the client's code.
  { name: "emulator", files: folder("src/emulator/"), may: ["core", "http-rule", "zitadel"], gen: true },
  // The CLI is a user of the package: its public entries only (checked below by file).
  { name: "cli", files: folder("src/cli/"), may: ["public entries"], gen: false },
];

/** Layers that adding a ZITADEL API version must not touch: they may not import a version folder. */
const versionNeutral = ["core", "http-rule", "auth", "interceptor", "transport", "metadata"];

/** What the CLI may import: the entries a user of the package imports. */
const publicEntries = new Set(["src/index.ts", "src/emulator/index.ts"]);

function layerOf(path: string): Layer | undefined {
  return layers.find((l) => l.files(path));
}

/** Every edge that breaks a rule, and every file in no layer, as "from -> to (why)". */
function violations(edges: Edge[], files: string[] = []): string[] {
  const found: string[] = files.filter((f) => layerOf(f) === undefined).map((f) => `${f}: in no layer (add it to a layer folder, or a layer to this test)`);
  for (const edge of edges) {
    const from = layerOf(edge.from);
    if (from === undefined) {
      found.push(`${edge.from}: in no layer (add it to a layer folder, or a layer to this test)`);
      continue;
    }
    if (edge.kind === "package" || edge.kind === "node") continue;
    if (edge.kind === "gen") {
      if (!from.gen) found.push(`${edge.from} -> ${edge.to} (${from.name} may not import generated code)`);
      continue;
    }
    if (from.name === "cli") {
      const to = layerOf(edge.to);
      if (to?.name !== "cli" && !publicEntries.has(edge.to)) {
        found.push(`${edge.from} -> ${edge.to} (the CLI imports only the package's public entries)`);
      }
      continue;
    }
    const to = layerOf(edge.to);
    if (to === undefined) continue;
    // Code that must not change when an API version is added reaches versions only through zitadel/versions.ts.
    if (versionNeutral.includes(from.name) && /^src\/zitadel\/v\d+\w*\//.test(edge.to)) {
      found.push(`${edge.from} -> ${edge.to} (${from.name} is version-neutral: ask src/zitadel/versions.ts)`);
    }
    if (to === from) continue;
    if (!from.may.includes(to.name)) found.push(`${edge.from} -> ${edge.to} (${from.name} may not import ${to.name})`);
  }
  return [...new Set(found)].sort();
}

describe("the layers of src/", () => {
  const { files, edges } = importGraph();

  it("sees the whole tree", () => {
    expect(files.length).toBeGreaterThan(80);
    expect(edges.length).toBeGreaterThan(300);
  });

  it("only point down; the emulator never imports client code; the CLI only the public entries", () => {
    expect(violations(edges, files)).toEqual([]);
  });

  it("core, http-rule and zitadel run in browsers: no Node built-in, no connect-node", () => {
    const neutral = ["core", "http-rule", "zitadel", "metadata"];
    const bad = edges.filter((e) => neutral.includes(layerOf(e.from)?.name ?? "") && (e.kind === "node" || e.to === "@connectrpc/connect-node"));
    expect(bad.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it("the rules catch an upward import, the emulator reaching client code, and the CLI reaching past the entries", () => {
    const bad: Edge[] = [
      { from: "src/core/base-url.ts", to: "src/transport/node.ts", kind: "src" },
      { from: "src/emulator/rest-gateway.ts", to: "src/transport/rest.ts", kind: "src" },
      { from: "src/cli/main.ts", to: "src/metadata/scope.ts", kind: "src" },
      { from: "src/cli/main.ts", to: "gen/zitadel/object_pb.ts", kind: "gen" },
      { from: "src/stray.ts", to: "src/index.ts", kind: "src" },
      { from: "src/transport/rest.ts", to: "src/zitadel/v1/services.ts", kind: "src" },
    ];
    expect(violations(bad)).toHaveLength(6);
    expect(violations([{ from: "src/cli/main.ts", to: "src/index.ts", kind: "src" }])).toEqual([]);
  });
});
