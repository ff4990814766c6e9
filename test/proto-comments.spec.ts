// scripts/check-proto-comments.js, run for real: it passes on this
// repository's protos, and on a copy of proto/ with comments taken away it
// fails naming exactly the elements that lost theirs, by file and line.
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { root } from "./support/zmeta.js";

const script = join(root, "scripts", "check-proto-comments.js");

async function check(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, dir], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** The problem lines of a failed run (the last line is the fix). */
const problemLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("proto/"));

const copies: string[] = [];
afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the buf module (buf.yaml and proto/) to break. */
function moduleCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "zmeta-proto-comments-spec-"));
  copies.push(dir);
  cpSync(join(root, "buf.yaml"), join(dir, "buf.yaml"));
  cpSync(join(root, "proto"), join(dir, "proto"), { recursive: true });
  return dir;
}

/**
 * Deletes the // lines right above the line that contains `marker` in a
 * copied file, and returns that element's line number afterwards (1-based).
 */
function removeCommentAbove(dir: string, file: string, marker: string): number {
  const path = join(dir, file);
  const lines = readFileSync(path, "utf8").split("\n");
  const at = lines.findIndex((l) => l.includes(marker));
  expect(at, `${marker} in ${file}`).toBeGreaterThan(0);
  let start = at;
  while (start > 0 && lines[start - 1]!.trim().startsWith("//")) start--;
  expect(start, `a comment above ${marker}`).toBeLessThan(at);
  lines.splice(start, at - start);
  writeFileSync(path, lines.join("\n"));
  return start + 1;
}

describe("check-proto-comments", () => {
  it("passes on this repository's protos", async () => {
    const run = await check(root);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^check-proto-comments: every element of \d+ \.proto files is documented$/m);
  });

  it("names exactly the field, the enum value and the RPC whose comments were removed, with file and line", async () => {
    const dir = moduleCopy();
    const field = removeCommentAbove(dir, "proto/zitadel/metadata.proto", "string key = 2;");
    const value = removeCommentAbove(dir, "proto/zitadel/object.proto", "TEXT_QUERY_METHOD_CONTAINS = 4;");
    const rpc = removeCommentAbove(dir, "proto/zitadel/management.proto", "rpc GetOrgMetadata(");

    const run = await check(dir);
    expect(run.code).toBe(1);
    expect(problemLines(run.stderr).sort()).toEqual(
      [
        `proto/zitadel/metadata.proto:${field}: field zitadel.metadata.v1.Metadata.key has no comment`,
        `proto/zitadel/object.proto:${value}: enum value zitadel.v1.TextQueryMethod.TEXT_QUERY_METHOD_CONTAINS has no comment`,
        `proto/zitadel/management.proto:${rpc}: rpc zitadel.management.v1.ManagementService.GetOrgMetadata has no comment`,
      ].sort(),
    );
    // The last line says how to fix it.
    expect(run.stderr.trim().split("\n").at(-1)).toMatch(/^check-proto-comments: 3 problem\(s\)\. Fix: write a \/\/ comment directly above each element/);
  });

  it("fails an RPC comment without its permission, and a comment citing an error id the catalogue lacks", async () => {
    const dir = moduleCopy();
    const file = join(dir, "proto/zitadel/auth.proto");
    const text = readFileSync(file, "utf8");
    const edited = text
      .replace(
        "  // Permission: authenticated (any valid token; no role needed).\n  // Errors:\n  //   - Unauthenticated, no id",
        "  // Errors:\n  //   - Unauthenticated, no id",
      )
      .replace("NotFound QUERY-Rgh32: the caller's user", "NotFound QUERY-Xyz12: the caller's user");
    expect(edited.split("Permission: authenticated").length, "one Permission line removed").toBe(text.split("Permission: authenticated").length - 1);
    expect(edited).toContain("QUERY-Xyz12");
    writeFileSync(file, edited);
    const lines = edited.split("\n");
    const list = lines.findIndex((l) => l.includes("rpc ListMyMetadata(")) + 1;
    const get = lines.findIndex((l) => l.includes("rpc GetMyMetadata(")) + 1;

    const run = await check(dir);
    expect(run.code).toBe(1);
    expect(problemLines(run.stderr).sort()).toEqual(
      [
        `proto/zitadel/auth.proto:${list}: rpc zitadel.auth.v1.AuthService.ListMyMetadata has no "Permission:" line`,
        `proto/zitadel/auth.proto:${get}: rpc zitadel.auth.v1.AuthService.GetMyMetadata cites error id QUERY-Xyz12, which src/zitadel's error catalogue does not hold`,
      ].sort(),
    );
  });
});
