import type { JsonObject, JsonValue, Registry } from "@bufbuild/protobuf";
import { create, toJson } from "@bufbuild/protobuf";
import { anyPack, AnySchema } from "@bufbuild/protobuf/wkt";
import type { ConnectError } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import type { NodeResponse } from "./node-http-types.js";

/** grpc-gateway's mapping from gRPC codes to HTTP statuses (ZITADEL.md). */
const httpStatusOf: Record<Code, number> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

/**
 * Answers with an error as grpc-gateway does: a google.rpc.Status in proto3
 * JSON, so `details` is left out when there are none (never `[]`), each
 * detail an Any with "@type" first; the HTTP status from the code unless
 * `httpStatus` overrides it (405 for a route of another verb); and on
 * Unauthenticated a WWW-Authenticate header holding the status message.
 */
export function writeStatus(res: NodeResponse, err: ConnectError, registry: Registry, httpStatus?: number): void {
  const details = err.details.flatMap((d): JsonValue[] => {
    const any = "desc" in d ? anyPack(d.desc, create(d.desc, d.value)) : create(AnySchema, { typeUrl: `type.googleapis.com/${d.type}`, value: d.value });
    try {
      const { "@type": type, ...fields } = toJson(AnySchema, any, { registry }) as JsonObject;
      return [{ "@type": type ?? null, ...fields }];
    } catch {
      return []; // a detail of a type the registry does not know cannot be written as JSON
    }
  });
  const body: JsonObject = { code: err.code, message: err.rawMessage };
  if (details.length > 0) body.details = details;
  const headers: Record<string, string> = {};
  if (err.code === Code.Unauthenticated) headers["www-authenticate"] = headerValue(err.rawMessage);
  writeJson(res, httpStatus ?? httpStatusOf[err.code] ?? 500, body, headers);
}

/** A JSON response with its content length. */
export function writeJson(res: NodeResponse, status: number, body: JsonValue, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Text as Go writes it into a header: its UTF-8 bytes as they are (Node
 * takes them as latin1 characters), line breaks as spaces, trimmed. Other
 * control characters, which Node cannot send, become spaces too. (Not
 * String.trim(): it would cut 0xA0, a byte inside many UTF-8 characters.)
 */
function headerValue(text: string): string {
  // eslint-disable-next-line no-control-regex
  return Buffer.from(text, "utf8")
    .toString("latin1")
    .replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, " ")
    .replace(/^[ \t]+|[ \t]+$/g, "");
}
