// Fails when an element of a .proto under the buf module has no comment, or
// an RPC's comment does not say its organization, permission and errors:
// the .proto comments are the API reference that every language generates
// its docs from (protoc-gen-es copies them into gen/ as JSDoc).
// Usage: node scripts/check-proto-comments.js [dir]   (npm run check:proto-comments)
// dir holds buf.yaml (default: this repository). The error ids a comment
// may cite come from this repository's catalogue (src/zitadel/**/*errors.ts).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { buf } from "./buf.js";

const repo = fileURLToPath(new URL("..", import.meta.url));
const dir = resolve(process.argv[2] ?? repo);
const name = "check-proto-comments";

/** A comment with fewer words than this says nothing a reader could use. */
const minWords = 3;
/** What an RPC comment must name after its "Permission:" label: one of the four permissions, or "authenticated" (AuthService). */
const permissionTokens = ["user.read", "user.write", "org.read", "org.write", "authenticated"];
/** gRPC status code names, as an RPC's "Errors:" list writes them. */
const grpcCodes = [
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
];
/** A ZITADEL error id such as QUERY-Rgh32 or AUTHZ-cdgFk. */
const errorIdPattern = /\b[A-Z]{3,8}-[A-Za-z0-9]{5}\b/g;

if (!existsSync(buf)) fail(`${buf} is missing; run \`npm install\` first.`);
if (!existsSync(join(dir, "buf.yaml"))) fail(`${dir} has no buf.yaml; pass the directory that holds the buf module's buf.yaml.`);

const moduleRoot = await modulePath(join(dir, "buf.yaml"));
const knownIds = await catalogueIds(join(repo, "src", "zitadel"));
const files = await buildImage(dir);
const problems = files.flatMap((file) => checkFile(file, moduleRoot, knownIds));

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(
    `${name}: ${problems.length} problem(s). Fix: write a // comment directly above each element listed (what it means, its limits in runes or bytes, its default;` +
      ` for an RPC also "Organization:", "Permission:" with one of ${permissionTokens.join(", ")}, and "Errors:" with gRPC codes and ZITADEL ids` +
      " from src/zitadel's error catalogue), then run `npm run generate` and commit proto/ and gen/.",
  );
  process.exit(1);
}
console.log(`${name}: every element of ${files.length} .proto files is documented`);

function fail(message) {
  console.error(`${name}: ${message}`);
  process.exit(1);
}

/** The module's directory from buf.yaml (`modules: - path: proto`), relative to dir; "." when it names none. */
async function modulePath(bufYaml) {
  const text = await readFile(bufYaml, "utf8");
  const paths = [...text.matchAll(/^\s*-\s*path:\s*["']?([^\s"'#]+)/gm)].map((m) => m[1]);
  if (paths.length > 1) fail(`${bufYaml} names ${paths.length} modules; this check handles one.`);
  return paths[0] ?? ".";
}

/** Every `id: "..."` of the error catalogue: the ids a comment may cite. */
async function catalogueIds(zitadelDir) {
  const entries = await readdir(zitadelDir, { recursive: true, withFileTypes: true });
  const ids = new Set();
  for (const e of entries) {
    if (!e.isFile() || !e.name.endsWith("errors.ts")) continue;
    const text = await readFile(join(e.parentPath ?? e.path, e.name), "utf8");
    for (const m of text.matchAll(/\bid: "([^"]+)"/g)) ids.add(m[1]);
  }
  if (ids.size === 0) fail(`found no error ids under ${zitadelDir} (the catalogue moved?); update catalogueIds() in this script.`);
  return ids;
}

/** The module's own files (no imports), with their source info, as `buf build` sees them. */
async function buildImage(cwd) {
  const out = await mkdtemp(join(tmpdir(), "zmeta-proto-comments-"));
  try {
    const image = join(out, "image.binpb");
    try {
      await promisify(execFile)(buf, ["build", "--exclude-imports", "-o", image], { cwd, shell: process.platform === "win32" });
    } catch (e) {
      const stderr = typeof e.stderr === "string" ? e.stderr.trim() : "";
      fail(`\`buf build\` failed in ${cwd}: ${stderr || e.message}`);
    }
    return fromBinary(FileDescriptorSetSchema, await readFile(image)).file;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/**
 * One line per problem in one file. Elements are found by their
 * SourceCodeInfo path (descriptor.proto's field numbers): file 4 message,
 * 5 enum, 6 service, 7 extension, 12 syntax; message 2 field, 3 nested
 * message, 4 nested enum, 6 extension, 8 oneof; enum 2 value; service 2 method.
 */
function checkFile(file, root, ids) {
  const locations = new Map((file.sourceCodeInfo?.location ?? []).map((l) => [l.path.join("."), l]));
  const where = root === "." ? file.name : `${root}/${file.name}`;
  const pkg = file.package ? `${file.package}.` : "";
  const elements = [];
  const add = (kind, fullName, path, rpc = false) => elements.push({ kind, fullName, path, rpc });

  // The file's own comment sits above `syntax` (or, failing that, above `package`).
  elements.push({ kind: "file", fullName: file.name, path: locations.has("12") ? [12] : [2], rpc: false });
  const addEnum = (e, path, scope) => {
    add("enum", `${scope}${e.name}`, path);
    e.value.forEach((v, i) => add("enum value", `${scope}${e.name}.${v.name}`, [...path, 2, i]));
  };
  const addMessage = (m, path, scope) => {
    const full = `${scope}${m.name}`;
    add("message", full, path);
    m.field.forEach((f, i) => add("field", `${full}.${f.name}`, [...path, 2, i]));
    m.extension.forEach((f, i) => add("extension", `${full}.${f.name}`, [...path, 6, i]));
    m.oneofDecl.forEach((o, i) => {
      // A proto3 `optional` field makes a synthetic oneof that has no source of its own.
      const synthetic = m.field.some((f) => f.oneofIndex === i && f.proto3Optional);
      if (!synthetic) add("oneof", `${full}.${o.name}`, [...path, 8, i]);
    });
    m.nestedType.forEach((n, i) => addMessage(n, [...path, 3, i], `${full}.`));
    m.enumType.forEach((e, i) => addEnum(e, [...path, 4, i], `${full}.`));
  };
  file.messageType.forEach((m, i) => addMessage(m, [4, i], pkg));
  file.enumType.forEach((e, i) => addEnum(e, [5, i], pkg));
  file.extension.forEach((f, i) => add("extension", `${pkg}${f.name}`, [7, i]));
  file.service.forEach((s, i) => {
    add("service", `${pkg}${s.name}`, [6, i]);
    s.method.forEach((m, j) => add("rpc", `${pkg}${s.name}.${m.name}`, [6, i, 2, j], true));
  });

  const problems = [];
  for (const el of elements) {
    const location = locations.get(el.path.join("."));
    const line = location ? location.span[0] + 1 : 1;
    const at = `${where}:${line}: ${el.kind} ${el.fullName}`;
    const comment = (location?.leadingComments || location?.trailingComments || "").trim();
    if (comment === "") {
      problems.push(`${at} has no comment`);
      continue;
    }
    const words = comment.split(/\s+/).length;
    if (words < minWords) problems.push(`${at} has a comment of ${words} word(s), too short to document it`);
    for (const id of new Set(comment.match(errorIdPattern) ?? [])) {
      if (!ids.has(id)) problems.push(`${at} cites error id ${id}, which src/zitadel's error catalogue does not hold`);
    }
    if (el.rpc) problems.push(...rpcProblems(comment).map((p) => `${at} ${p}`));
  }
  return problems;
}

/** What an RPC comment lacks: the "Organization:", "Permission:" and "Errors:" parts. */
function rpcProblems(comment) {
  const found = [];
  const section = (label) => {
    const start = comment.search(new RegExp(`^[ \\t]*${label}:`, "m"));
    if (start < 0) return undefined;
    // A section runs to the next "Label:" line or to a blank line.
    const rest = comment.slice(comment.indexOf(":", start) + 1);
    const end = rest.search(/\n[ \t]*\n|\n[ \t]*[A-Z][A-Za-z]*:/);
    return end < 0 ? rest : rest.slice(0, end);
  };
  if (section("Organization") === undefined) found.push('has no "Organization:" line saying how the organization is chosen');
  const permission = section("Permission");
  if (permission === undefined) found.push('has no "Permission:" line');
  else if (!permissionTokens.some((t) => permission.includes(t))) found.push(`names no permission after "Permission:" (one of ${permissionTokens.join(", ")})`);
  const errors = section("Errors");
  if (errors === undefined) found.push('has no "Errors:" list');
  else if (!grpcCodes.some((c) => new RegExp(`\\b${c}\\b`).test(errors))) found.push('names no gRPC code after "Errors:" (e.g. NotFound)');
  return found;
}
