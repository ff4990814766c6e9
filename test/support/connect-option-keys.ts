// Which options the connect packages installed in a project name, read from
// their own type declarations with the TypeScript compiler; and a script for
// that project which hands each of them to our factories and says which ones
// they do not know. Our option table is checked at compile time against the
// connect we develop on; this is how the version matrix finds an option a
// newer connect added (connect-node 2.3's connectTimeoutMs was one: its types
// let users write it, our factories refused it as unknown).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { nodeTypeRoot } from "./packed-package.js";

export interface ConnectOptionKeys {
  /** Every option of connect-node's gRPC, gRPC-web and Connect transports. */
  node: string[];
  /** Every option of connect-web's gRPC-web and Connect transports. */
  web: string[];
}

const probe = `import type * as node from "@connectrpc/connect-node";
import type * as web from "@connectrpc/connect-web";
export type NodeOptions = node.GrpcTransportOptions | node.GrpcWebTransportOptions | node.ConnectTransportOptions;
export type WebOptions = web.GrpcWebTransportOptions | web.ConnectTransportOptions;
`;

/** The option names of the connect transports installed in `project`; throws if their types do not resolve. */
export function connectOptionKeys(project: string): ConnectOptionKeys {
  const file = join(project, "connect-option-keys.mts");
  writeFileSync(file, probe);
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: ["node"],
    typeRoots: [nodeTypeRoot],
  });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  if (problems.length > 0) throw new Error(`the connect types in ${project} do not resolve:\n${problems.join("\n")}`);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`no module symbol for ${file}`);
  const keysOf = (name: string): string[] => {
    const symbol = checker.getExportsOfModule(moduleSymbol).find((s) => s.name === name);
    if (symbol === undefined) throw new Error(`${file} exports no ${name}`);
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    const members = type.isUnion() ? type.types : [type];
    return [...new Set(members.flatMap((m) => checker.getPropertiesOfType(m).map((p) => p.name)))].sort();
  };
  return { node: keysOf("NodeOptions"), web: keysOf("WebOptions") };
}

/**
 * A script for the project: gives each option (value 1) to the Node and the
 * browser entry's createZitadelTransport for each of their protocols, and
 * prints the JSON list of "<entry> <protocol> <option>" they refused as
 * unknown. Refusing an option for a protocol, naming why, is fine; not
 * knowing it is not.
 */
export function optionCoverageScript(keys: ConnectOptionKeys): string {
  return `import * as node from "zitadel-metadata";
import * as web from "zitadel-metadata/web";
const keys = ${JSON.stringify(keys)};
const entries = [
  ["zitadel-metadata", node.createZitadelTransport, ["grpc", "grpc-web", "connect", "rest"], keys.node],
  ["zitadel-metadata/web", web.createZitadelTransport, ["grpc-web", "connect", "rest"], keys.web],
];
const unknown = [];
for (const [entry, create, protocols, options] of entries) {
  for (const protocol of protocols) {
    for (const option of options) {
      try {
        create({ baseUrl: "http://127.0.0.1:9", protocol, auth: "pat", [option]: 1 });
      } catch (e) {
        if (e?.code === "ERR_INVALID_OPTION" && /unknown option/.test(e.message)) unknown.push(entry + " " + protocol + " " + option);
      }
    }
  }
}
console.log(JSON.stringify(unknown));
`;
}
