// Another team's gRPC stack on our .proto files: @grpc/proto-loader and
// @grpc/grpc-js for calls, protobufjs (the library proto-loader is built on)
// for the messages a gRPC stack leaves to the application, here the
// google.rpc.Status in grpc-status-details-bin and its zitadel.v1.ErrorDetail.
// Nothing here imports our generated code: what these tools read comes only
// from the .proto files they were given.
import { createRequire } from "node:module";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";

/**
 * How proto-loader turns messages into objects on both sides of a call: 64-bit
 * integers as decimal strings, enums by name, bytes as Buffers, oneofs named,
 * and only the fields that were on the wire (no defaults filled in), so an
 * absent field is one the server did not send. Empty repeated fields are [].
 */
export const loaderOptions: protoLoader.Options = { longs: String, enums: String, bytes: Buffer, oneofs: true, defaults: false, arrays: true };

/** The services and messages of our files as grpc-js and protobufjs see them. */
export interface ForeignToolchain {
  /** grpc-js's view of the services: clients and server definitions. */
  readonly grpc: grpc.GrpcObject;
  /** proto-loader's definitions by full name, e.g. "zitadel.management.v1.ManagementService". */
  readonly definition: protoLoader.PackageDefinition;
  /** protobufjs' reflection of the same files, for Status, ErrorDetail and the JSON checks. */
  readonly root: protobuf.Root;
}

const require = createRequire(import.meta.url);
// protobufjs bundles a few well-known files (timestamp, any, …) but not
// descriptor.proto, which google/api/annotations.proto imports through
// http.proto's options; proto-loader registers protobufjs' own copy the same way.
protobuf.common("descriptor", require("protobufjs/google/protobuf/descriptor.json").nested.google.nested.protobuf.nested);

/** Loads `files` (relative to `protoRoot`, imports resolved there) with proto-loader and protobufjs. */
export function loadForeignToolchain(protoRoot: string, files: readonly string[]): ForeignToolchain {
  const definition = protoLoader.loadSync([...files], { ...loaderOptions, includeDirs: [protoRoot] });
  const root = new protobuf.Root();
  // Every import ("zitadel/object.proto") is relative to the proto root; the
  // bundled google/protobuf files are found by protobufjs itself.
  root.resolvePath = (_origin, target) => join(protoRoot, target);
  root.loadSync([...files]);
  root.resolveAll();
  return { grpc: grpc.loadPackageDefinition(definition), definition, root };
}

/** The client class grpc-js generated for a service, by full name. */
export function serviceClient(tool: ForeignToolchain, fullName: string): grpc.ServiceClientConstructor {
  let node: unknown = tool.grpc;
  for (const part of fullName.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== "function" || !("service" in node)) throw new Error(`${fullName} is not a service of the loaded .proto files.`);
  return node as grpc.ServiceClientConstructor;
}

/** The service definition proto-loader made for a service, for grpc.Server#addService. */
export function serviceDefinition(tool: ForeignToolchain, fullName: string): grpc.ServiceDefinition {
  const found = tool.definition[fullName];
  const isMethod = (m: unknown) => typeof m === "object" && m !== null && "path" in m && "requestSerialize" in m;
  if (found === undefined || !Object.values(found).every(isMethod)) {
    throw new Error(`${fullName} is not a service of the loaded .proto files.`);
  }
  return found as grpc.ServiceDefinition;
}

/** Generous: a deadline only so that a broken call fails instead of hanging the run. */
const callDeadlineMs = 30_000;

/** One unary call by its RPC name ("GetUserMetadata"), as a promise; the error is grpc-js' ServiceError. */
export function unary<Response>(client: grpc.Client, rpc: string, request: object, metadata: grpc.Metadata): Promise<Response> {
  const method = (client as unknown as Record<string, unknown>)[rpc];
  if (typeof method !== "function") throw new Error(`the client has no RPC ${rpc}.`);
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, { deadline: Date.now() + callDeadlineMs }, (error: grpc.ServiceError | null, response: Response) => {
      if (error) reject(error);
      else resolve(response);
    });
  });
}

/** The ServiceError a call fails with; fails the test if it succeeds or throws something else. */
export async function serviceError(call: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await call;
  } catch (e) {
    if (e instanceof Error && typeof (e as grpc.ServiceError).code === "number" && (e as grpc.ServiceError).metadata instanceof grpc.Metadata) {
      return e as grpc.ServiceError;
    }
    throw e;
  }
  throw new Error("the call should have failed, but it succeeded.");
}

/** google.rpc.Status as decoded from grpc-status-details-bin, with each Any's type and, where it is one of ours, its message. */
export interface DecodedStatus {
  code: number;
  message: string;
  details: { typeUrl: string; value: Record<string, unknown> }[];
}

const anyPrefix = "type.googleapis.com/";

/** Decodes the error's grpc-status-details-bin trailer; undefined when the server sent none. */
export function decodeStatusDetails(tool: ForeignToolchain, error: grpc.ServiceError): DecodedStatus | undefined {
  const values = error.metadata.get("grpc-status-details-bin");
  if (values.length === 0) return undefined;
  if (values.length > 1) throw new Error(`grpc-status-details-bin came ${values.length} times; a status has one.`);
  const Status = tool.root.lookupType("google.rpc.Status");
  // protobufjs' bundled google.protobuf.Any keeps the .proto field name type_url (the files it parses get camelCase names).
  const status = Status.decode(values[0] as Buffer) as unknown as { code: number; message: string; details: { type_url: string; value: Uint8Array }[] };
  return {
    code: status.code,
    message: status.message,
    details: status.details.map(({ type_url: typeUrl, value }) => {
      if (!typeUrl.startsWith(anyPrefix)) throw new Error(`a detail's type URL ${JSON.stringify(typeUrl)} does not start with ${anyPrefix}`);
      const type = tool.root.lookupType(typeUrl.slice(anyPrefix.length));
      return { typeUrl, value: type.toObject(type.decode(value)) };
    }),
  };
}

/**
 * The error a ZITADEL server sends, as a grpc-js server sends it: the code,
 * the message "<text> (<id>)", and in the trailers a google.rpc.Status with
 * the same code and message and one Any of zitadel.v1.ErrorDetail { id, message: text }.
 */
export function zitadelStatus(tool: ForeignToolchain, code: grpc.status, id: string, text: string): Partial<grpc.StatusObject> {
  const ErrorDetail = tool.root.lookupType("zitadel.v1.ErrorDetail");
  const Status = tool.root.lookupType("google.rpc.Status");
  const message = `${text} (${id})`;
  const detail = ErrorDetail.encode(ErrorDetail.fromObject({ id, message: text })).finish();
  const status = Status.encode(Status.fromObject({ code, message, details: [{ type_url: `${anyPrefix}zitadel.v1.ErrorDetail`, value: detail }] })).finish();
  const metadata = new grpc.Metadata();
  metadata.set("grpc-status-details-bin", Buffer.from(status));
  return { code, details: message, metadata };
}
