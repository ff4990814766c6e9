// No stale references: every path of this repository that README.md,
// ARCHITECTURE.md, CHANGELOG.md or a comment in the sources names
// (`src/cli/main.ts`, `test/package.spec.ts`, `bench/run.ts`, `schema/...`)
// must exist. A path is a known top-level folder, a slash, then a file name
// with an extension or a folder ending in "/" (docs/ is not one: docs/api/ is generated and ignored; docs/proto/ is committed, checked by check:gen).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { root } from "./support/zmeta.js";

const topFolders = ["src", "test", "bench", "scripts", "schema", "proto", "gen", "bin", "examples", ".ci", ".changeset"];
const pathPattern = new RegExp(`(?<![\\w./@-])((?:${topFolders.map((f) => f.replace(".", "\\.")).join("|")})/[\\w.+-]*(?:/[\\w.+-]+)*/?)`, "g");

/** Paths named in a text, without trailing punctuation; folders keep their "/". */
function pathsIn(text: string): string[] {
  return (
    [...text.matchAll(pathPattern)]
      // Globs and placeholders (test/**/*.spec.ts, gen/<pkg>) are patterns, not paths.
      .filter((m) => !/[*<{]/.test(text[m.index + m[0].length] ?? ""))
      .map((m) => m[1]!.replace(/[.,:;)]+$/, ""))
      .filter((p) => p.endsWith("/") || /\.[a-z]+$/.test(p))
  );
}

/** The comments of a TypeScript or JavaScript file, by TypeScript's scanner (strings and code are not comments). */
function commentsOf(file: string): string {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) out.push(scanner.getTokenText());
  }
  return out.join("\n");
}

/**
 * Documents named by a bare NAME.md that are not files of this repository:
 * the project's specification, kept beside it (shared/), and gRPC's own
 * protocol description. Any other NAME.md must be at the repository root.
 */
const externalDocuments = ["DESIGN.md", "ZITADEL.md", "ZITADEL-V2.md", "STYLE.md", "PROTOCOL-HTTP2.md"];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|js|mjs|cjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

describe("references to files of this repository", () => {
  it("name only paths that exist, in the docs and in source comments", () => {
    const texts: [where: string, text: string][] = [
      ...["README.md", "ARCHITECTURE.md", "CHANGELOG.md"].map((f): [string, string] => [f, readFileSync(join(root, f), "utf8")]),
      ...["src", "test", "bench", "scripts", "bin"].flatMap(sourceFiles).map((f): [string, string] => [relative(root, f), commentsOf(f)]),
    ];
    const missing: string[] = [];
    let checked = 0;
    for (const [where, text] of texts) {
      for (const path of pathsIn(text)) {
        checked++;
        if (!existsSync(join(root, path))) missing.push(`${where}: ${path}`);
      }
      for (const [doc] of text.matchAll(/(?<![\w/.-])[A-Z][A-Z0-9-]*\.md\b/g)) {
        checked++;
        if (!externalDocuments.includes(doc) && !existsSync(join(root, doc))) missing.push(`${where}: ${doc}`);
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });

  it("finds a path that does not exist (the check can fail)", () => {
    expect(pathsIn("see `src/cli/nope.ts`, test/x.spec.ts and bench/ (and test/**/*.spec.ts).")).toEqual(["src/cli/nope.ts", "test/x.spec.ts", "bench/"]);
  });
});
