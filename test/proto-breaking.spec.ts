// `npm run check:breaking` (scripts/check-breaking.js): on copies of proto/,
// buf.yaml, package.json and proto-baseline/, a renumbered or renamed field and
// a removed RPC fail against the committed 0.1.0 baseline, naming buf's rule ids
// and the fix; a new field and a comment edit pass, and so does proto/ as
// committed. The baseline is the one of package.json's version: a version with
// no image fails, and after `npm run proto:baseline` (scripts/cut-proto-baseline.js)
// a field added in that release can no longer be dropped.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const script = join(root, "scripts", "check-breaking.js");
const cutScript = join(root, "scripts", "cut-proto-baseline.js");
const metadataProto = join("proto", "zitadel", "metadata.proto");
const authProto = join("proto", "zitadel", "auth.proto");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runScript(path: string, dir?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, dir === undefined ? [path] : [path, dir], { cwd: root }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const checkBreaking = (dir?: string) => runScript(script, dir);

/** A copy of proto/ and buf.yaml under `dir`/`name`, with `file` changed by `edit`. */
async function copyWithEdit(dir: string, name: string, file: string, edit: (text: string) => string): Promise<string> {
  const copy = join(dir, name);
  await cp(join(root, "proto"), join(copy, "proto"), { recursive: true });
  await cp(join(root, "buf.yaml"), join(copy, "buf.yaml"));
  await cp(join(root, "package.json"), join(copy, "package.json"));
  await cp(join(root, "proto-baseline"), join(copy, "proto-baseline"), { recursive: true });
  const before = await readFile(join(copy, file), "utf8");
  const after = edit(before);
  if (after === before) throw new Error(`the ${name} edit changed nothing in ${file}; update the test to today's file`);
  await writeFile(join(copy, file), after);
  return copy;
}

describe("check:breaking against proto-baseline/", () => {
  let dir: string;
  let runs: Record<"committed" | "renumbered" | "renamed" | "rpcRemoved" | "added" | "recommented" | "routeMoved" | "bodyDropped" | "routeAdded", Run>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "zmeta-proto-breaking-"));
    const copies = await Promise.all([
      copyWithEdit(dir, "renumbered", metadataProto, (t) => t.replace("string key = 2;", "string key = 7;")),
      copyWithEdit(dir, "renamed", metadataProto, (t) => t.replace("string key = 2;", "string name = 2;")),
      copyWithEdit(dir, "rpc-removed", authProto, (t) => t.replace(/ {2}rpc GetMyMetadata\(.*\{\n.*\n {2}\}\n/, "")),
      copyWithEdit(dir, "added", metadataProto, (t) => t.replace("bytes value = 3;", "bytes value = 3;\n  // Added after 0.1.0.\n  string note = 4;")),
      copyWithEdit(dir, "recommented", metadataProto, (t) => t.replace(/^\/\/ .*$/m, "// A different file comment.")),
      copyWithEdit(dir, "route-moved", authProto, (t) => t.replace('{get: "/users/me/metadata/{key}"}', '{get: "/users/me/meta/{key}"}')),
      copyWithEdit(dir, "body-dropped", authProto, (t) =>
        t.replace(/post: "\/users\/me\/metadata\/_search"\n\s*body: "\*"/, 'post: "/users/me/metadata/_search"'),
      ),
      copyWithEdit(dir, "route-added", authProto, (t) =>
        t.replace(
          '{get: "/users/me/metadata/{key}"}',
          '{\n      get: "/users/me/metadata/{key}"\n      additional_bindings {get: "/v1/users/me/metadata/{key}"}\n    }',
        ),
      ),
    ]);
    const [committed, renumbered, renamed, rpcRemoved, added, recommented, routeMoved, bodyDropped, routeAdded] = await Promise.all([
      checkBreaking(),
      ...copies.map((c) => checkBreaking(c)),
    ]);
    runs = {
      committed: committed!,
      renumbered: renumbered!,
      renamed: renamed!,
      rpcRemoved: rpcRemoved!,
      added: added!,
      recommented: recommented!,
      routeMoved: routeMoved!,
      bodyDropped: bodyDropped!,
      routeAdded: routeAdded!,
    };
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("passes for proto/ as committed, naming the release it compared with", () => {
    expect(runs.committed).toMatchObject({ code: 0, stderr: "" });
    expect(runs.committed.stdout).toContain("check-breaking: proto/ keeps the wire, JSON and REST bindings of release 0.1.0 (proto-baseline/v0.1.0.binpb)");
  });

  it("fails for a renumbered field, with buf's rule ids, the place and the fix", () => {
    const { code, stderr } = runs.renumbered;
    expect(code).toBe(1);
    expect(stderr).toContain("check-breaking: proto/ breaks the wire, JSON or REST bindings of release 0.1.0 (proto-baseline/v0.1.0.binpb):");
    // The line and column are the message's, which comment edits move.
    expect(stderr).toMatch(
      /proto\/zitadel\/metadata\.proto:\d+:\d+: FIELD_NO_DELETE_UNLESS_NAME_RESERVED: Previously present field "2" with name "key" on message "Metadata" was deleted without reserving the name "key"\./,
    );
    expect(stderr).toContain("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED");
    expect(stderr).toContain('cut a new baseline: see README.md, "Cutting a new proto baseline".');
  });

  it("fails for a renamed field: its JSON name changes", () => {
    expect(runs.renamed.code).toBe(1);
    expect(runs.renamed.stderr).toContain(
      'FIELD_SAME_JSON_NAME: Field "2" with name "name" on message "Metadata" changed option "json_name" from "key" to "name".',
    );
    expect(runs.renamed.stderr).toContain("FIELD_SAME_NAME");
  });

  it("fails for a removed RPC: clients call it by its path (buf.yaml adds RPC_NO_DELETE to WIRE_JSON)", () => {
    expect(runs.rpcRemoved.code).toBe(1);
    expect(runs.rpcRemoved.stderr).toMatch(
      /proto\/zitadel\/auth\.proto:\d+:\d+: RPC_NO_DELETE: Previously present RPC "GetMyMetadata" on service "AuthService" was deleted\./,
    );
  });

  it("fails for a moved REST route or a changed body (buf does not check google.api.http; scripts/http-bindings.js does)", () => {
    expect(runs.routeMoved.code).toBe(1);
    expect(runs.routeMoved.stderr).toContain(
      'proto/zitadel/auth.proto: RPC_SAME_HTTP_BINDING: RPC "zitadel.auth.v1.AuthService.GetMyMetadata" was bound to GET /users/me/metadata/{key} in release 0.1.0 and no longer is (its bindings now: GET /users/me/meta/{key}).',
    );
    expect(runs.routeMoved.stderr).toContain("add the new path as an additional_bindings entry and keep the old one");
    expect(runs.bodyDropped.code).toBe(1);
    expect(runs.bodyDropped.stderr).toContain(
      'RPC_SAME_HTTP_BINDING: RPC "zitadel.auth.v1.AuthService.ListMyMetadata" was bound to POST /users/me/metadata/_search body=* in release 0.1.0 and no longer is (its bindings now: POST /users/me/metadata/_search).',
    );
  });

  it("passes for a REST route added beside the released one", () => {
    expect(runs.routeAdded).toMatchObject({ code: 0, stderr: "" });
  });

  it("passes for a new field and for a changed comment", () => {
    expect(runs.added).toMatchObject({ code: 0, stderr: "" });
    expect(runs.recommented).toMatchObject({ code: 0, stderr: "" });
  });
});

describe("the baseline is the one of package.json's release", () => {
  let dir: string;
  const addNote = (t: string) => t.replace("bytes value = 3;", "bytes value = 3;\n  // Added in 0.2.0.\n  string note = 4;");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "zmeta-proto-release-"));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function atVersion(copy: string, version: string): Promise<void> {
    const manifest = join(copy, "package.json");
    const pkg = JSON.parse(await readFile(manifest, "utf8")) as { version: string };
    await writeFile(manifest, JSON.stringify({ ...pkg, version }, null, 2));
  }

  it("fails when the version has no image, naming the file and the command that cuts it", async () => {
    const copy = await copyWithEdit(dir, "unreleased", metadataProto, addNote);
    await atVersion(copy, "0.2.0");
    const { code, stderr } = await checkBreaking(copy);
    expect(code).toBe(1);
    expect(stderr).toContain("package.json says version 0.2.0, but proto-baseline/ has no v0.2.0.binpb (it has v0.1.0.binpb).");
    expect(stderr).toContain("run `npm run proto:baseline` after `npx changeset version`");
  });

  it("after proto:baseline for 0.2.0 the check passes, the 0.1.0 image is gone, and a field added in 0.2.0 can no longer be dropped", async () => {
    const copy = await copyWithEdit(dir, "released", metadataProto, addNote);
    await atVersion(copy, "0.2.0");
    const cut = await runScript(cutScript, copy);
    expect(cut, cut.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(cut.stdout).toContain("wrote proto-baseline/v0.2.0.binpb, removed v0.1.0.binpb");
    expect(await readdir(join(copy, "proto-baseline"))).toEqual(["README.md", "v0.2.0.binpb"]);

    const after = await checkBreaking(copy);
    expect(after).toMatchObject({ code: 0, stderr: "" });
    expect(after.stdout).toContain("keeps the wire, JSON and REST bindings of release 0.2.0 (proto-baseline/v0.2.0.binpb)");

    // Against 0.1.0 dropping it again would pass; against the 0.2.0 release it breaks.
    const file = join(copy, metadataProto);
    await writeFile(file, (await readFile(file, "utf8")).replace(/\n {2}\/\/ Added in 0\.2\.0\.\n {2}string note = 4;/, ""));
    const dropped = await checkBreaking(copy);
    expect(dropped.code).toBe(1);
    expect(dropped.stderr).toContain("breaks the wire, JSON or REST bindings of release 0.2.0");
    expect(dropped.stderr).toMatch(/FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED: Previously present field "4" with name "note" on message "Metadata" was deleted/);
  });
});

it("npm test runs check:breaking before check:gen, so a field changed without regenerating still fails with buf's rule", async () => {
  const { scripts } = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const steps = scripts.test!.split(" && ");
  expect(steps).toContain("npm run check:breaking");
  expect(steps.indexOf("npm run check:breaking")).toBeLessThan(steps.indexOf("npm run check:gen"));
});
