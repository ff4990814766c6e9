// The Markdown proto reference (scripts/protoc-gen-reference.ts): run through
// buf on a small proto written here, its key pieces (the service table with
// the HTTP mapping and REST prefix, a message's field table with optional,
// oneof, map, repeated and deprecated fields, a nested enum, escaped comments,
// links that land on anchors, the same bytes twice); and the committed
// docs/proto/reference.md against the generated clients' own descriptors.
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getOption } from "@bufbuild/protobuf";
import type { DescService } from "@bufbuild/protobuf";
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

// Keeps <samples> | in one place.
service SampleService {
  // Reads one sample.
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
}

message GetSampleRequest {
  string id = 1; // The sample's id.
}

// One sample.
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

/** The part of the document from a service's anchor to its first message. */
function serviceSection(markdown: string, typeName: string): string {
  const start = markdown.indexOf(`<a id="${typeName.toLowerCase()}"></a>`);
  if (start < 0) throw new Error(`the reference has no section for ${typeName}`);
  const end = markdown.indexOf("#### Message", start);
  return markdown.slice(start, end < 0 ? undefined : end);
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

  it("lists the service's RPCs with request -> response, the HTTP mapping under the gateway prefix, and the comments", () => {
    expect(reference).toContain('<a id="zitadel.sample.v1.sampleservice"></a>\n#### Service `SampleService`');
    // HTML and pipes in comments are shown, not interpreted.
    expect(reference).toContain("Keeps &lt;samples&gt; | in one place.");
    // zitadel.<x>.v1 is mounted at /<x>/v1 by ZITADEL's gateway, as src/zitadel/versions.ts says.
    expect(restPrefixOf("zitadel.sample.v1.SampleService")).toBe("/sample/v1");
    expect(reference).toContain("gRPC: `/zitadel.sample.v1.SampleService/<RPC>`. REST: under `/sample/v1`");
    expect(reference).toContain(
      "| `GetSample` | [`GetSampleRequest`](#zitadel.sample.v1.getsamplerequest) → [`Sample`](#zitadel.sample.v1.sample) | " +
        "`GET /sample/v1/samples/{id}`, no body<br>`POST /sample/v1/samples/{id}/_get`, body `*` | Reads one sample. |",
    );
    expect(reference).toContain(
      "| `WatchSamples` | [`GetSampleRequest`](#zitadel.sample.v1.getsamplerequest) → stream [`Sample`](#zitadel.sample.v1.sample) | none |  |",
    );
  });

  it("gives each message a field table: number, name, JSON name, linked type, label, comment", () => {
    expect(reference).toContain("| Number | Field | JSON name | Type | Label | Description |");
    // A comment after the field on its line serves when there is none before it.
    expect(reference).toContain("| 1 | `id` | `id` | `string` |  | The sample's id. |");
    expect(reference).toContain("| 2 | `note` | `remark` | `string` | optional | A free note.<br><br>Second paragraph. |");
    expect(reference).toContain("| 3 | `url` | `url` | `string` | oneof `source` |  |");
    expect(reference).toContain("| 4 | `inline_data` | `inlineData` | `bytes` | oneof `source` |  |");
    expect(reference).toContain("| 5 | `kinds` | `kinds` | map&lt;`string`, [`Sample.Kind`](#zitadel.sample.v1.sample.kind)&gt; | map |  |");
    expect(reference).toContain("| 6 | `children` | `children` | [`Sample`](#zitadel.sample.v1.sample) | repeated | **Deprecated.** |");
    expect(reference).toContain("Oneof `source`: at most one of `url`, `inline_data`. Where it comes from.");
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

  it("has a row for every RPC of the generated clients, with the verb and full REST path their google.api.http option gives", async () => {
    const reference = await readFile(join(root, "docs", "proto", "reference.md"), "utf8");
    expect(danglingLinks(reference)).toEqual([]);
    for (const service of services) {
      const section = serviceSection(reference, service.typeName);
      for (const method of service.methods) {
        const rule = getOption(method, http);
        if (rule.pattern.case === undefined || rule.pattern.case === "custom") throw new Error(`${method.name} has no plain google.api.http rule`);
        const row = section.split("\n").find((line) => line.startsWith(`| \`${method.name}\` |`));
        expect(row, `${service.typeName}/${method.name}`).toContain(
          `\`${rule.pattern.case.toUpperCase()} ${restPrefixOf(service.typeName)}${rule.pattern.value}\``,
        );
      }
    }
    expect(reference).toContain("`POST /management/v1/users/{id}/metadata/{key}`, body `*`");
    expect(reference).toContain("`GET /auth/v1/users/me/metadata/{key}`, no body");
  });
});
