// protoc-gen-reference: a protoc/buf plugin that writes the Markdown proto
// reference (docs/proto/reference.md) from the .proto files and their
// comments. buf.gen.yaml runs it as `node --import tsx scripts/protoc-gen-reference.ts`.
import { runNodeJs } from "@bufbuild/protoplugin";
import { referencePlugin } from "./proto-reference/plugin.js";

runNodeJs(referencePlugin);
