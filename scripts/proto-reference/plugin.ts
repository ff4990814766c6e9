// The protoc plugin behind scripts/protoc-gen-reference.ts: reads the
// CodeGeneratorRequest that buf (or protoc) sends and answers with one file,
// reference.md, describing every file the request asks to generate.
import { create, createFileRegistry, maximumEdition, minimumEdition, protoInt64 } from "@bufbuild/protobuf";
import type { DescFile } from "@bufbuild/protobuf";
import { CodeGeneratorResponse_Feature, CodeGeneratorResponseSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { CodeGeneratorRequest, CodeGeneratorResponse } from "@bufbuild/protobuf/wkt";
import type { Plugin } from "@bufbuild/protoplugin";
import { renderReference } from "./render.js";

/** The name of the one file the plugin writes, relative to the plugin's `out:` directory. */
export const referenceFileName = "reference.md";

/** protoc-gen-reference: the Markdown proto reference. It takes no options. */
export const referencePlugin: Plugin = {
  name: "protoc-gen-reference",
  version: "v1",
  run(request: CodeGeneratorRequest): CodeGeneratorResponse {
    if (request.parameter.trim() !== "") {
      throw new Error(`takes no options, but got "${request.parameter}"; remove the opt: entries of its plugin in buf.gen.yaml`);
    }
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: request.protoFile }));
    const files = request.fileToGenerate.map((name): DescFile => {
      const file = registry.getFile(name);
      if (file === undefined) throw new Error(`the request asks for ${name} but does not contain it`);
      return file;
    });
    return create(CodeGeneratorResponseSchema, {
      // proto3 optional and editions are read from the descriptors like everything else.
      supportedFeatures: protoInt64.parse(CodeGeneratorResponse_Feature.PROTO3_OPTIONAL | CodeGeneratorResponse_Feature.SUPPORTS_EDITIONS),
      // The editions protobuf-es can read, as protoc-gen-es declares them.
      minimumEdition,
      maximumEdition,
      file: [{ name: referenceFileName, content: renderReference({ registry, files }) }],
    });
  },
};
