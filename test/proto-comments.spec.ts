// scripts/check-proto-comments.js, run for real: it passes on this
// repository's protos, and on a copy of proto/ with comments taken away it
// fails naming exactly the elements that lost theirs, by file and line: every
// kind (file, service, rpc, message, nested message, field, oneof, enum, enum
// value), and RPC comments without their Organization:, Permission: or Errors:.
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

  it("names every other kind of element that lost its comment: the file, a service, a message, a nested message, an enum and a oneof", async () => {
    const dir = moduleCopy();
    const file = removeCommentAbove(dir, "proto/zitadel/metadata.proto", 'syntax = "proto3";');
    const service = removeCommentAbove(dir, "proto/zitadel/user/v2/user_service.proto", "service UserService {");
    const message = removeCommentAbove(dir, "proto/zitadel/object.proto", "message ObjectDetails {");
    const nested = removeCommentAbove(dir, "proto/zitadel/management.proto", "  message Metadata {");
    const enumType = removeCommentAbove(dir, "proto/zitadel/filter/v2/filter.proto", "enum TextFilterMethod {");
    const oneof = removeCommentAbove(dir, "proto/zitadel/metadata/v2/metadata.proto", "  oneof filter {");

    const run = await check(dir);
    expect(run.code).toBe(1);
    expect(problemLines(run.stderr).sort()).toEqual(
      [
        `proto/zitadel/metadata.proto:${file}: file zitadel/metadata.proto has no comment`,
        `proto/zitadel/user/v2/user_service.proto:${service}: service zitadel.user.v2.UserService has no comment`,
        `proto/zitadel/object.proto:${message}: message zitadel.v1.ObjectDetails has no comment`,
        `proto/zitadel/management.proto:${nested}: message zitadel.management.v1.BulkSetUserMetadataRequest.Metadata has no comment`,
        `proto/zitadel/filter/v2/filter.proto:${enumType}: enum zitadel.filter.v2.TextFilterMethod has no comment`,
        `proto/zitadel/metadata/v2/metadata.proto:${oneof}: oneof zitadel.metadata.v2.MetadataSearchFilter.filter has no comment`,
      ].sort(),
    );
  });

  it("fails an RPC comment without its Organization: line, and one without its Errors: list", async () => {
    const dir = moduleCopy();
    const file = join(dir, "proto/zitadel/org/v2/org_service.proto");
    const text = readFileSync(file, "utf8");
    const lines = text.split("\n");
    const setRpc = lines.findIndex((l) => l.includes("rpc SetOrganizationMetadata("));
    const listRpc = lines.findIndex((l) => l.includes("rpc ListOrganizationMetadata("));
    expect(setRpc, "SetOrganizationMetadata in org/v2").toBeGreaterThan(0);
    expect(listRpc, "ListOrganizationMetadata in org/v2").toBeGreaterThan(setRpc);
    // SetOrganizationMetadata loses its Organization: line; ListOrganizationMetadata its whole Errors: list (up to REST:).
    const organization = lines.findIndex((l, i) => i < setRpc && l.startsWith("  // Organization:"));
    const listComment = lines.slice(0, listRpc);
    const errorsAt = listComment
      .map((l, i) => (l === "  // Errors:" ? i : -1))
      .filter((i) => i > setRpc)
      .at(-1)!;
    const restAt = listComment.findIndex((l, i) => i > errorsAt && l.startsWith("  // REST:"));
    expect(organization).toBeGreaterThan(0);
    expect(errorsAt).toBeGreaterThan(setRpc);
    expect(restAt).toBeGreaterThan(errorsAt);
    const edited = [...lines.slice(0, organization), ...lines.slice(organization + 1, errorsAt), ...lines.slice(restAt)];
    writeFileSync(file, edited.join("\n"));
    const set = edited.findIndex((l) => l.includes("rpc SetOrganizationMetadata(")) + 1;
    const list = edited.findIndex((l) => l.includes("rpc ListOrganizationMetadata(")) + 1;

    const run = await check(dir);
    expect(run.code).toBe(1);
    expect(problemLines(run.stderr).sort()).toEqual(
      [
        `proto/zitadel/org/v2/org_service.proto:${set}: rpc zitadel.org.v2.OrganizationService.SetOrganizationMetadata has no "Organization:" line saying how the organization is chosen`,
        `proto/zitadel/org/v2/org_service.proto:${list}: rpc zitadel.org.v2.OrganizationService.ListOrganizationMetadata has no "Errors:" list`,
      ].sort(),
    );
  });
});
