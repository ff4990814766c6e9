// The import graph of src/, as TypeScript resolves it: every static import,
// `import type` and `import()` of every file the tsconfig includes. esbuild's
// metafile would miss type-only imports and whatever no entry reaches.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import ts from "typescript";
import { root } from "./zmeta.js";

export interface Edge {
  /** The importing file, relative to the repository root (e.g. "src/cli/main.ts"). */
  from: string;
  /** The imported file relative to the root ("src/…", "gen/…"), or the package name. */
  to: string;
  kind: "src" | "gen" | "package" | "node";
}

/** Every file under src/ and every import edge from one. */
export function importGraph(): { files: string[]; edges: Edge[] } {
  const config = ts.getParsedCommandLineOfConfigFile(`${root}/tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error("tsconfig.json could not be read");
  const files = config.fileNames.filter((f) => relative(root, f).startsWith("src/"));
  // Every file counts, including one that imports nothing: it must sit in a layer too.
  const edges: Edge[] = [];
  for (const file of files) {
    const from = relative(root, file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (specifier.startsWith("node:")) {
        edges.push({ from, to: specifier, kind: "node" });
        continue;
      }
      const resolved = ts.resolveModuleName(specifier, file, config.options, ts.sys).resolvedModule;
      if (!resolved || resolved.isExternalLibraryImport) {
        edges.push({ from, to: packageName(specifier), kind: "package" });
        continue;
      }
      const to = relative(root, resolved.resolvedFileName);
      edges.push({ from, to, kind: to.startsWith("gen/") ? "gen" : "src" });
    }
  }
  return { files: files.map((f) => relative(root, f)), edges };
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}
