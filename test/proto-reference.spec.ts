// The Markdown proto reference (scripts/protoc-gen-reference.ts): run through
// buf on a small proto written here, its key pieces (the service's index of
// RPCs with the HTTP mapping and REST prefix, a section per RPC under its own
// heading whose comment keeps its paragraphs and its Errors: list, a message's
// field table with optional, oneof, map, repeated and deprecated fields and a
// list in a field comment, a nested enum, escaped comments, links that land
// on anchors, the same bytes twice); and the committed docs/proto/reference.md
// against the generated clients' own descriptors and the .proto comments.
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFileRegistry, fromBinary, getOption } from "@bufbuild/protobuf";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { getComments } from "@bufbuild/protoplugin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http } from "../gen/google/api/annotations_pb.js";
import { AuthService } from "../gen/zitadel/auth_pb.js";
import { ManagementService } from "../gen/zitadel/management_pb.js";
import { OrganizationService as OrganizationServiceV2 } from "../gen/zitadel/org/v2/org_service_pb.js";
import { OrganizationService as OrganizationServiceV2beta } from "../gen/zitadel/org/v2beta/org_service_pb.js";
import { UserService } from "../gen/zitadel/user/v2/user_service_pb.js";
import { restPrefixOf } from "../src/zitadel/versions.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const buf = join(root, "node_modules", ".bin", "buf");

const sampleProto = `// Samples, for the reference test.
syntax = "proto3";

package zitadel.sample.v1;

import "google/api/annotations.proto";

// Keeps <samples> | in one place; (IAM_*) and ORG_* roles are not emphasis.
service SampleService {
  // Reads one sample. Nothing is written.
  //
  // Organization: the caller's own; a sample of another
  // organization behaves as missing.
  // Permission: sample.read.
  // Errors:
  //   - NotFound SAMPLE-0001: no such sample, or one of another
  //     organization.
  //   - Internal, no id: the id contains U+0000.
  // REST: GET /sample/v1/samples/{id}.
  rpc GetSample(GetSampleRequest) returns (Sample) {
    option (google.api.http) = {
      get: "/samples/{id}"
      additional_bindings {
        post: "/samples/{id}/_get"
        body: "*"
      }
    };
  }
  rpc WatchSamples(GetSampleRequest) returns (stream Sample);
  // Reads one sample, as GetSample does.
  rpc OldGetSample(GetSampleRequest) returns (Sample) {
    option deprecated = true;
    option (google.api.http) = {post: "/samples/{id}/_old" body: "*"};
  }
}

message GetSampleRequest {
  string id = 1; // The sample's id.
  // Which view to read:
  //   - "full": every field;
  //   - "short": the id only.
  // Default "full".
  string view = 2;
}

// One sample. In text format:
//   id: "s1"
//   note: "a note"
message Sample {
  // How it was taken.
  enum Kind {
    KIND_UNSPECIFIED = 0;
    // By hand.
    KIND_MANUAL = 1;
  }
  string id = 1;
  // A free note.
  //
  // Second paragraph.
  optional string note = 2 [json_name = "remark"];
  // Where it comes from.
  oneof source {
    string url = 3;
    bytes inline_data = 4;
  }
  map<string, Kind> kinds = 5;
  repeated Sample children = 6 [deprecated = true];
}
`;

interface Run {
  code: number;
  stderr: string;
}

/** `buf generate` of `input` with only the reference plugin (with `opt`), into `out`; from the repository root, where tsx resolves. */
function generateReference(input: string, out: string, opt: string[] = []): Promise<Run> {
  const template = { version: "v2", plugins: [{ local: [process.execPath, "--import", "tsx", "scripts/protoc-gen-reference.ts"], out, strategy: "all", opt }] };
  return new Promise((resolve) => {
    execFile(buf, ["generate", input, "--template", JSON.stringify(template)], { cwd: root }, (error, _stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
}

/** Every `](#id)` of the document whose id has no `<a id="id">`. */
function danglingLinks(markdown: string): string[] {
  const anchors = new Set([...markdown.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]));
  return [...new Set([...markdown.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!))].filter((id) => !anchors.has(id));
}

/** The part of the document from a declaration's anchor to the next anchor: a service's description and index, or one RPC's section. */
function section(markdown: string, fullName: string): string {
  const start = markdown.indexOf(`<a id="${fullName.toLowerCase()}"></a>`);
  if (start < 0) throw new Error(`the reference has no section for ${fullName}`);
  const end = markdown.indexOf("<a id=", start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** Markdown as the reference escapes comment text, back to that text: entities decoded, backslash escapes removed. */
function plainText(markdown: string): string {
  return markdown
    .replace(/\\([\\*_~`[\]])/g, "$1")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/**
 * The items of the "Errors:" list of an RPC comment as written in the .proto
 * ("  - Code ID: text", wrapped lines indented under it), each as its lines
 * without indentation.
 */
function errorItems(comment: string): string[][] {
  const lines = comment.split("\n").map((l) => (l.startsWith(" ") ? l.slice(1) : l));
  const start = lines.findIndex((l) => l.startsWith("Errors:"));
  if (start < 0) return [];
  const items: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("  - ")) items.push([line.slice(4)]);
    else if (line.startsWith("    ") && items.length > 0) items[items.length - 1]!.push(line.trim());
    else break;
  }
  return items;
}

describe("the proto reference plugin, on a sample proto", () => {
  let dir: string;
  let reference: string;
  let again: string;
  let withOption: Run;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "zmeta-proto-reference-"));
    const input = join(dir, "proto");
    await mkdir(join(input, "zitadel", "sample", "v1"), { recursive: true });
    // The google.api.http option as our own protos declare it.
    await cp(join(root, "proto", "google", "api"), join(input, "google", "api"), { recursive: true });
    await writeFile(join(input, "buf.yaml"), "version: v2\n");
    await writeFile(join(input, "zitadel", "sample", "v1", "sample.proto"), sampleProto);
    const runs = await Promise.all([
      generateReference(input, join(dir, "first")),
      generateReference(input, join(dir, "second")),
      generateReference(input, join(dir, "with-option"), ["verbose"]),
    ]);
    for (const run of runs.slice(0, 2)) expect(run, run.stderr).toMatchObject({ code: 0 });
    withOption = runs[2]!;
    [reference, again] = await Promise.all([readFile(join(dir, "first", "reference.md"), "utf8"), readFile(join(dir, "second", "reference.md"), "utf8")]);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("indexes the service's RPCs in a table that links to their sections, with the HTTP mapping under the gateway prefix", () => {
    expect(reference).toContain('<a id="zitadel.sample.v1.sampleservice"></a>\n#### Service `SampleService`');
    // HTML, pipes and emphasis characters in comments are shown, not interpreted.
    expect(reference).toContain("Keeps &lt;samples&gt; | in one place; (IAM\\_\\*) and ORG\\_\\* roles are not emphasis.");
    // zitadel.<x>.v1 is mounted at /<x>/v1 by ZITADEL's gateway, as src/zitadel/versions.ts says.
    expect(restPrefixOf("zitadel.sample.v1.SampleService")).toBe("/sample/v1");
    expect(reference).toContain("gRPC: `/zitadel.sample.v1.SampleService/<RPC>`. REST: under `/sample/v1`");
    expect(reference).toContain(
      [
        "| RPC | HTTP | Summary |",
        "| --- | --- | --- |",
        "| [`GetSample`](#zitadel.sample.v1.sampleservice.getsample) | `GET /sample/v1/samples/{id}`<br>`POST /sample/v1/samples/{id}/_get` | Reads one sample. |",
        "| [`WatchSamples`](#zitadel.sample.v1.sampleservice.watchsamples) | none |  |",
        "| [`OldGetSample`](#zitadel.sample.v1.sampleservice.oldgetsample) | `POST /sample/v1/samples/{id}/_old` | **Deprecated.** Reads one sample, as GetSample does. |",
      ].join("\n"),
    );
  });

  it("gives each RPC a section under its own heading: signature, gRPC path, every HTTP binding with its body, and the comment as Markdown", () => {
    const getSample = section(reference, "zitadel.sample.v1.SampleService.GetSample");
    expect(getSample).toBe(
      [
        '<a id="zitadel.sample.v1.sampleservice.getsample"></a>',
        "##### RPC `GetSample`",
        "",
        "- Request → response: [`GetSampleRequest`](#zitadel.sample.v1.getsamplerequest) → [`Sample`](#zitadel.sample.v1.sample)",
        "- gRPC: `/zitadel.sample.v1.SampleService/GetSample`",
        "- HTTP:",
        "  - `GET /sample/v1/samples/{id}`, no body",
        "  - `POST /sample/v1/samples/{id}/_get`, body `*`",
        "",
        "Reads one sample. Nothing is written.",
        "",
        // Each labelled part is a paragraph of its own, and the Errors: items are
        // list items, their wrapped lines inside them; the REST: line after the
        // list is a paragraph, not more of the last item.
        "**Organization:** the caller's own; a sample of another",
        "organization behaves as missing.",
        "",
        "**Permission:** sample.read.",
        "",
        "**Errors:**",
        "",
        "- NotFound SAMPLE-0001: no such sample, or one of another",
        "  organization.",
        "- Internal, no id: the id contains U+0000.",
        "",
        "**REST:** GET /sample/v1/samples/{id}.",
        "",
        "",
      ].join("\n"),
    );
    expect(section(reference, "zitadel.sample.v1.SampleService.WatchSamples")).toContain(
      "- Request → response: [`GetSampleRequest`](#zitadel.sample.v1.getsamplerequest) → stream [`Sample`](#zitadel.sample.v1.sample)\n" +
        "- gRPC: `/zitadel.sample.v1.SampleService/WatchSamples`\n- HTTP: none\n",
    );
    expect(section(reference, "zitadel.sample.v1.SampleService.OldGetSample")).toContain(
      "- HTTP: `POST /sample/v1/samples/{id}/_old`, body `*`\n\n**Deprecated.**\n\nReads one sample, as GetSample does.\n",
    );
  });

  it("gives each message a field table: number, name, JSON name, linked type, label, comment with its paragraphs and lists", () => {
    expect(reference).toContain("| Number | Field | JSON name | Type | Label | Description |");
    // A comment after the field on its line serves when there is none before it.
    expect(reference).toContain("| 1 | `id` | `id` | `string` |  | The sample's id. |");
    // A list in a field comment stays a list inside its cell.
    expect(reference).toContain(
      '| 2 | `view` | `view` | `string` |  | Which view to read:<ul><li>"full": every field;</li><li>"short": the id only.</li></ul>Default "full". |',
    );
    expect(reference).toContain("| 2 | `note` | `remark` | `string` | optional | A free note.<br><br>Second paragraph. |");
    expect(reference).toContain("| 3 | `url` | `url` | `string` | oneof `source` |  |");
    expect(reference).toContain("| 4 | `inline_data` | `inlineData` | `bytes` | oneof `source` |  |");
    expect(reference).toContain("| 5 | `kinds` | `kinds` | map&lt;`string`, [`Sample.Kind`](#zitadel.sample.v1.sample.kind)&gt; | map |  |");
    expect(reference).toContain("| 6 | `children` | `children` | [`Sample`](#zitadel.sample.v1.sample) | repeated | **Deprecated.** |");
    expect(reference).toContain("Oneof `source`: at most one of `url`, `inline_data`. Where it comes from.");
    // Lines indented under a message comment's text are kept as written.
    expect(reference).toContain('#### Message `Sample`\n\nOne sample. In text format:\n\n```\nid: "s1"\nnote: "a note"\n```\n\n| Number |');
    // The map's entry message is the field's type, not a section of its own.
    expect(reference).not.toContain("KindsEntry");
  });

  it("gives each enum its values with numbers and comments, and every link lands on an anchor", () => {
    expect(reference).toContain('<a id="zitadel.sample.v1.sample.kind"></a>\n#### Enum `Sample.Kind`\n\nHow it was taken.');
    expect(reference).toContain("| 0 | `KIND_UNSPECIFIED` |  |\n| 1 | `KIND_MANUAL` | By hand. |");
    expect(danglingLinks(reference)).toEqual([]);
    expect(reference).toContain("Samples, for the reference test.");
  });

  it("writes the same bytes for the same protos, and refuses an option it does not take", () => {
    expect(again).toBe(reference);
    expect(withOption.code).not.toBe(0);
    expect(withOption.stderr).toContain('protoc-gen-reference: takes no options, but got "verbose"; remove the opt: entries of its plugin in buf.gen.yaml');
  });
});

describe("docs/proto/reference.md", () => {
  const services: DescService[] = [ManagementService, AuthService, UserService, OrganizationServiceV2, OrganizationServiceV2beta];
  let reference: string;
  /** The .proto files' own methods, with their comments (buf's source info). */
  let methodsWithComments: Map<string, DescMethod>;

  beforeAll(async () => {
    reference = await readFile(join(root, "docs", "proto", "reference.md"), "utf8");
    const dir = await mkdtemp(join(tmpdir(), "zmeta-proto-reference-image-"));
    try {
      const image = join(dir, "image.binpb");
      await new Promise<void>((resolve, reject) =>
        execFile(buf, ["build", "proto", "-o", image], { cwd: root }, (error, _stdout, stderr) => (error ? reject(new Error(stderr)) : resolve())),
      );
      const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, await readFile(image)));
      methodsWithComments = new Map();
      for (const service of services) {
        const described = registry.getService(service.typeName);
        if (described === undefined) throw new Error(`buf build of proto/ has no ${service.typeName}`);
        for (const method of described.methods) methodsWithComments.set(`${service.typeName}.${method.name}`, method);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("indexes every RPC of the generated clients and gives it a section with the verb and full REST path their google.api.http option gives", () => {
    expect(danglingLinks(reference)).toEqual([]);
    for (const service of services) {
      const index = section(reference, service.typeName);
      for (const method of service.methods) {
        const rule = getOption(method, http);
        if (rule.pattern.case === undefined || rule.pattern.case === "custom") throw new Error(`${method.name} has no plain google.api.http rule`);
        const route = `\`${rule.pattern.case.toUpperCase()} ${restPrefixOf(service.typeName)}${rule.pattern.value}\``;
        const fullName = `${service.typeName}.${method.name}`;
        const row = index.split("\n").find((line) => line.startsWith(`| [\`${method.name}\`](#${fullName.toLowerCase()}) |`));
        expect(row, fullName).toContain(route);
        const own = section(reference, fullName);
        expect(own, fullName).toMatch(new RegExp(`^<a id="[^"]+"></a>\n##### RPC \`${method.name}\`\n`));
        expect(own, fullName).toContain(`\n- HTTP: ${route}, ${rule.body === "" ? "no body" : `body \`${rule.body}\``}\n`);
        expect(own, fullName).toContain(`\n- Request → response: [\`${method.input.name}\`](#${method.input.typeName.toLowerCase()}) → `);
      }
    }
    expect(reference).toContain("- HTTP: `POST /management/v1/users/{id}/metadata/{key}`, body `*`");
    expect(reference).toContain("- HTTP: `GET /auth/v1/users/me/metadata/{key}`, no body");
  });

  it("keeps each RPC's Organization:, Permission: and Errors: apart, and every Errors: item of its .proto comment a list item under its heading", () => {
    expect(methodsWithComments.size).toBe(services.reduce((n, s) => n + s.methods.length, 0));
    for (const [fullName, method] of methodsWithComments) {
      const comment = getComments(method).leading ?? "";
      const items = errorItems(comment);
      // Every RPC comment has an Errors: list (check:proto-comments insists on the label).
      expect(items.length, fullName).toBeGreaterThan(0);
      const own = plainText(section(reference, fullName));
      expect(own, fullName).toMatch(/\n\n\*\*Organization:\*\* /);
      expect(own, fullName).toMatch(/\n\n\*\*Permission:\*\* /);
      const list = own.split("\n\n**Errors:**\n\n")[1];
      expect(list, `${fullName} has an "**Errors:**" paragraph followed by its list`).toBeDefined();
      // The list is the lines up to the next blank line: one "- " line per item, its wrapped lines indented under it.
      const listLines = list!.split("\n\n")[0]!.split("\n");
      expect(listLines, fullName).toEqual(items.flatMap(([first, ...rest]) => [`- ${first}`, ...rest.map((l) => `  ${l}`)]));
    }
  });
});
