// The proto reference as one Markdown document: per package and file, each
// service with an index of its RPCs and then a section per RPC (request ->
// response, gRPC path, the google.api.http mapping with the gateway's prefix,
// and the RPC's comment as Markdown, its Organization:, Permission: and
// Errors: parts intact), each message with a table of its fields and each
// enum with its values, all with the comments of the .proto files. Output
// depends only on the descriptors: the same protos give the same bytes.
import { ScalarType } from "@bufbuild/protobuf";
import type { AnyDesc, DescEnum, DescExtension, DescField, DescFile, DescMessage, DescMethod, DescOneof, DescService, Registry } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { getComments, getPackageComments, getSyntaxComments } from "@bufbuild/protoplugin";
import { restPrefixOf } from "../../src/zitadel/versions.js";
import type { HttpBinding } from "./http-rule.js";
import { httpBindingsOf, httpExtensionOf } from "./http-rule.js";
import { commentCell, commentMarkdown, commentSummary, parseComment } from "./comment.js";
import { anchor, anchorId, cell, code, link, table } from "./markdown.js";

/** What the document is made from: the files to describe, in the registry that resolves their imports. */
export interface ReferenceInput {
  readonly registry: Registry;
  readonly files: readonly DescFile[];
}

/** The Markdown document describing `files`. */
export function renderReference({ registry, files }: ReferenceInput): string {
  const described = new Set(files.map((f) => f.proto.name));
  const http = httpExtensionOf(registry);
  const packages = groupByPackage(files);
  checkAnchorsUnique(files);

  const out: string[] = [
    "# Proto reference",
    "",
    "<!-- Generated from proto/ by scripts/protoc-gen-reference.ts (`npm run generate`); do not edit. `npm run check:gen` fails when it is stale. -->",
    "",
    "Every package, service, message and enum of this package's .proto files, with their comments.",
    "Field numbers and names are the wire; the JSON name is what ProtoJSON, Connect's JSON and the REST gateway use.",
    "REST paths are complete: ZITADEL's gateway mounts each v1 service under a prefix that its annotations do not carry",
    "(`zitadel.management.v1` at `/management/v1`, `zitadel.auth.v1` at `/auth/v1`), so the paths below include it;",
    "the v2 annotations carry their whole path. `{field}` in a path is that request field; body `*` is every request field",
    "the path does not bind; without a body, the remaining request fields travel in the query string. Each service lists",
    "its RPCs in a table that links to a section per RPC, with its organization, permission and errors.",
    "",
    "## Contents",
    "",
  ];
  for (const [name, pkgFiles] of packages) {
    out.push(`- Package ${link(code(name), packageAnchor(name))}`);
    for (const file of pkgFiles) {
      const services = file.services.map((s) => link(code(s.name), s.typeName));
      out.push(`  - ${link(code(file.proto.name), fileAnchor(file))}${services.length > 0 ? `: ${services.join(", ")}` : ""}`);
    }
  }
  for (const [name, pkgFiles] of packages) {
    out.push("", anchor(packageAnchor(name)), `## Package ${code(name)}`);
    for (const file of pkgFiles) out.push(...renderFile(file, { described, http, package: name }));
  }
  return `${out.join("\n")}\n`;
}

interface RenderContext {
  /** Paths of the files this document describes: types elsewhere (google.protobuf.*) are shown unlinked. */
  readonly described: ReadonlySet<string>;
  /** The google.api.http extension, when a file declares it. */
  readonly http: DescExtension | undefined;
  /** The package being rendered: its own types are named without it. */
  readonly package: string;
}

/** Packages sorted by name, ZITADEL's before Google's support packages; each package's files by path. */
function groupByPackage(files: readonly DescFile[]): [string, DescFile[]][] {
  const byPackage = new Map<string, DescFile[]>();
  for (const file of files) {
    const list = byPackage.get(file.proto.package) ?? [];
    list.push(file);
    byPackage.set(file.proto.package, list);
  }
  const rank = (name: string) => (name.startsWith("google.") ? 1 : 0);
  return [...byPackage]
    .map(([name, list]): [string, DescFile[]] => [name, list.sort((a, b) => compare(a.proto.name, b.proto.name))])
    .sort(([a], [b]) => rank(a) - rank(b) || compare(a, b));
}

/** Ordinal comparison, independent of the machine's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const packageAnchor = (name: string) => `package-${name}`;
const fileAnchor = (file: DescFile) => `file-${file.proto.name}`;
/** An RPC's section: its full name, e.g. zitadel.management.v1.ManagementService.SetUserMetadata. */
const methodAnchor = (method: DescMethod) => `${method.parent.typeName}.${method.name}`;

/** Anchors are lower-cased full names, so two names differing only in case would share one: refuse that instead of linking wrongly. */
function checkAnchorsUnique(files: readonly DescFile[]): void {
  const seen = new Map<string, string>();
  const claim = (name: string) => {
    const id = anchorId(name);
    const other = seen.get(id);
    if (other !== undefined && other !== name) throw new Error(`${other} and ${name} would share the anchor #${id} in the reference; rename one of them`);
    seen.set(id, name);
  };
  for (const file of files) {
    claim(packageAnchor(file.proto.package));
    claim(fileAnchor(file));
    for (const s of file.services) {
      claim(s.typeName);
      for (const m of s.methods) claim(methodAnchor(m));
    }
    const walk = (messages: readonly DescMessage[], enums: readonly DescEnum[]) => {
      for (const e of enums) claim(e.typeName);
      for (const m of messages) {
        claim(m.typeName);
        walk(m.nestedMessages, m.nestedEnums);
      }
    };
    walk(file.messages, file.enums);
  }
}

function renderFile(file: DescFile, context: RenderContext): string[] {
  const out = ["", anchor(fileAnchor(file)), `### File ${code(file.proto.name)}`, ""];
  const imports = file.proto.dependency.map((d) => (context.described.has(d) ? link(code(d), `file-${d}`) : code(d)));
  out.push(`Package ${code(file.proto.package)}${imports.length > 0 ? `; imports ${imports.join(", ")}` : ""}.`);
  for (const text of [commentMarkdown(getSyntaxComments(file).leading), commentMarkdown(getPackageComments(file).leading)]) {
    if (text !== "") out.push("", text);
  }
  for (const service of file.services) out.push(...renderService(service, context));
  for (const message of file.messages) out.push(...renderMessage(message, context));
  for (const e of file.enums) out.push(...renderEnum(e));
  if (file.extensions.length > 0) out.push(...renderExtensions(`Extensions in ${code(file.proto.name)}`, file.extensions, context));
  return out;
}

function renderService(service: DescService, context: RenderContext): string[] {
  const out = ["", anchor(service.typeName), `#### Service ${code(service.name)}`, ""];
  out.push(...descriptionLines(service.deprecated, commentOf(service)));
  const prefix = restPrefixOf(service.typeName);
  const rest =
    prefix !== ""
      ? `REST: under ${code(prefix)}, where ZITADEL's gateway mounts this service (the annotations leave it out; the paths below include it).`
      : "REST: the paths below are the annotations' own; no prefix is added.";
  out.push(`gRPC: ${code(`/${service.typeName}/<RPC>`)}. ${rest}`, "");
  // The index: one row per RPC, linking to its section.
  const rows = service.methods.map((method) => [
    link(code(method.name), methodAnchor(method)),
    httpIndexCell(httpBindingsOf(method, context.http), prefix),
    cell(joinCell(deprecatedNote(method.deprecated), commentSummary(commentOf(method)))),
  ]);
  out.push(table(["RPC", "HTTP", "Summary"], rows));
  for (const method of service.methods) out.push(...renderMethod(method, prefix, context));
  return out;
}

/** An RPC's own section: its signature, gRPC path and HTTP bindings as a list, then its comment as Markdown (paragraphs and lists as written). */
function renderMethod(method: DescMethod, prefix: string, context: RenderContext): string[] {
  const out = ["", anchor(methodAnchor(method)), `##### RPC ${code(method.name)}`, ""];
  const clientStreams = method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming";
  const serverStreams = method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming";
  out.push(
    `- Request → response: ${streamed(clientStreams)}${typeLink(method.input, context)} → ${streamed(serverStreams)}${typeLink(method.output, context)}`,
  );
  out.push(`- gRPC: ${code(`/${method.parent.typeName}/${method.name}`)}`);
  const bindings = httpBindingsOf(method, context.http).map((b) => httpBinding(b, prefix));
  if (bindings.length === 0) out.push("- HTTP: none");
  else if (bindings.length === 1) out.push(`- HTTP: ${bindings[0]}`);
  else out.push("- HTTP:", ...bindings.map((b) => `  - ${b}`));
  out.push("", ...descriptionLines(method.deprecated, commentOf(method)));
  // The next section starts with its own blank line.
  while (out[out.length - 1] === "") out.pop();
  return out;
}

function streamed(isStream: boolean): string {
  return isStream ? "stream " : "";
}

/** One binding in full: verb and complete path, which request field is the body, and the response field sent, if not the whole response. */
function httpBinding(binding: HttpBinding, prefix: string): string {
  const parts = [code(`${binding.verb} ${prefix}${binding.path}`), binding.body === "" ? "no body" : `body ${code(binding.body)}`];
  if (binding.responseBody !== "") parts.push(`response body ${code(binding.responseBody)}`);
  return parts.join(", ");
}

/** The index's HTTP cell: each binding's verb and complete path. */
function httpIndexCell(bindings: readonly HttpBinding[], prefix: string): string {
  if (bindings.length === 0) return "none";
  return bindings.map((b) => cell(code(`${b.verb} ${prefix}${b.path}`))).join("<br>");
}

function renderMessage(message: DescMessage, context: RenderContext): string[] {
  // Map entries are shown as map<K, V> on their field, not as messages of their own.
  if (message.proto.options?.mapEntry === true) return [];
  const out = ["", anchor(message.typeName), `#### Message ${code(nestedName(message))}`, ""];
  out.push(...descriptionLines(message.deprecated, commentOf(message)));
  if (message.fields.length === 0) {
    out.push("No fields.");
  } else {
    const rows = [...message.fields]
      .sort((a, b) => a.number - b.number)
      .map((field) => [
        String(field.number),
        code(field.name),
        code(field.jsonName),
        fieldType(field, context),
        fieldLabel(field),
        joinCell(deprecatedNote(field.deprecated), commentCell(commentOf(field))),
      ]);
    out.push(table(["Number", "Field", "JSON name", "Type", "Label", "Description"], rows));
  }
  for (const oneof of message.oneofs) out.push(...renderOneof(oneof));
  for (const nested of message.nestedMessages) out.push(...renderMessage(nested, context));
  for (const nested of message.nestedEnums) out.push(...renderEnum(nested));
  if (message.nestedExtensions.length > 0) out.push(...renderExtensions(`Extensions in ${code(nestedName(message))}`, message.nestedExtensions, context));
  return out;
}

/** A oneof's members and comment, under its message's table; the comment's first paragraph goes on in the sentence's. */
function renderOneof(oneof: DescOneof): string[] {
  const members = oneof.fields.map((f) => code(f.name)).join(", ");
  const sentence = `Oneof ${code(oneof.name)}: at most one of ${members}.`;
  const comment = commentOf(oneof);
  const lines = commentMarkdown(comment).split("\n");
  if (parseComment(comment)[0]?.kind !== "paragraph") return ["", sentence, ...(lines[0] === "" ? [] : ["", ...lines])];
  return ["", `${sentence} ${lines[0]}`, ...lines.slice(1)];
}

function renderEnum(e: DescEnum): string[] {
  const out = ["", anchor(e.typeName), `#### Enum ${code(nestedName(e))}`, ""];
  out.push(...descriptionLines(e.deprecated, commentOf(e)));
  const rows = e.values.map((value) => [String(value.number), code(value.name), joinCell(deprecatedNote(value.deprecated), commentCell(commentOf(value)))]);
  out.push(table(["Number", "Name", "Description"], rows));
  return out;
}

function renderExtensions(title: string, extensions: readonly DescExtension[], context: RenderContext): string[] {
  const rows = extensions.map((ext) => [
    String(ext.number),
    code(ext.typeName),
    typeLink(ext.extendee, context),
    fieldType(ext, context),
    fieldLabel(ext),
    commentCell(commentOf(ext)),
  ]);
  return ["", `#### ${title}`, "", table(["Number", "Extension", "Extends", "Type", "Label", "Description"], rows)];
}

/** A message's or enum's name within its file's package, e.g. BulkSetUserMetadataRequest.Metadata. */
function nestedName(desc: DescMessage | DescEnum): string {
  const pkg = desc.file.proto.package;
  return pkg === "" ? desc.typeName : desc.typeName.slice(pkg.length + 1);
}

/** The type's name (without the package when it is the current one), linked to its section when this document describes it. */
function typeLink(desc: DescMessage | DescEnum, context: RenderContext): string {
  const name = code(desc.file.proto.package === context.package ? nestedName(desc) : desc.typeName);
  return context.described.has(desc.file.proto.name) ? link(name, desc.typeName) : name;
}

function scalarName(scalar: ScalarType): string {
  return ScalarType[scalar].toLowerCase();
}

function fieldType(field: DescField | DescExtension, context: RenderContext): string {
  switch (field.fieldKind) {
    case "scalar":
      return code(scalarName(field.scalar));
    case "enum":
      return typeLink(field.enum, context);
    case "message":
      return typeLink(field.message, context);
    case "list":
      return field.listKind === "scalar" ? code(scalarName(field.scalar)) : typeLink(field.listKind === "enum" ? field.enum : field.message, context);
    case "map": {
      const value = field.mapKind === "scalar" ? code(scalarName(field.scalar)) : typeLink(field.mapKind === "enum" ? field.enum : field.message, context);
      return `map&lt;${code(scalarName(field.mapKey))}, ${value}&gt;`;
    }
  }
}

/** repeated, map, oneof <name>, optional (explicit presence on a scalar or enum), required (proto2), or empty. */
function fieldLabel(field: DescField | DescExtension): string {
  if (field.fieldKind === "list") return "repeated";
  if (field.fieldKind === "map") return "map";
  if (field.oneof !== undefined) return `oneof ${code(field.oneof.name)}`;
  if (field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED) return "required";
  if (field.proto.proto3Optional === true) return "optional";
  if (field.presence === FeatureSet_FieldPresence.EXPLICIT && field.fieldKind !== "message") return "optional";
  return "";
}

/** The comment before a declaration, or the one after it on the same line (`string key = 2; // ...`) when there is none before. */
function commentOf(desc: Exclude<AnyDesc, DescFile>): string | undefined {
  const { leading, trailing } = getComments(desc);
  return leading !== undefined && leading.trim() !== "" ? leading : trailing;
}

function deprecatedNote(deprecated: boolean): string {
  return deprecated ? "**Deprecated.**" : "";
}

/** The deprecation note and the comment as Markdown blocks, each followed by a blank line; nothing when there is neither. */
function descriptionLines(deprecated: boolean, comment: string | undefined): string[] {
  const out: string[] = [];
  if (deprecated) out.push(deprecatedNote(true), "");
  const markdown = commentMarkdown(comment);
  if (markdown !== "") out.push(...markdown.split("\n"), "");
  return out;
}

function joinCell(...parts: string[]): string {
  return parts.filter((p) => p !== "").join(" ");
}
