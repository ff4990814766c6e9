import { create, toBinary } from "@bufbuild/protobuf";
import { anyPack, AnySchema } from "@bufbuild/protobuf/wkt";
import type { ConnectError } from "@connectrpc/connect";
import { StatusSchema } from "../../gen/google/rpc/status_pb.js";

/** The status fields of a gRPC or gRPC-web response: as headers (trailers-only) or as trailers. */
export type GrpcStatusFields = Record<"grpc-status" | "grpc-message", string> & { "grpc-status-details-bin"?: string };

/** What grpc-go sends when a call succeeded. */
export const grpcOk: GrpcStatusFields = { "grpc-status": "0", "grpc-message": "" };

/**
 * The status fields of a failed call, as grpc-go writes them: the code, the
 * message percent-encoded, and, when the error has details (ZITADEL's
 * ErrorDetail), a google.rpc.Status in grpc-status-details-bin.
 */
export function grpcStatusOf(err: ConnectError): GrpcStatusFields {
  const fields: GrpcStatusFields = {
    "grpc-status": String(err.code),
    "grpc-message": percentEncodeGrpcMessage(err.rawMessage),
  };
  if (err.details.length > 0) {
    const status = create(StatusSchema, {
      code: err.code,
      message: err.rawMessage,
      details: err.details.map((d) =>
        "desc" in d ? anyPack(d.desc, create(d.desc, d.value)) : create(AnySchema, { typeUrl: `type.googleapis.com/${d.type}`, value: d.value }),
      ),
    });
    // Binary headers are base64 without padding, as grpc-go sends them.
    fields["grpc-status-details-bin"] = Buffer.from(toBinary(StatusSchema, status)).toString("base64").replace(/=+$/, "");
  }
  return fields;
}

/**
 * gRPC's percent-encoding of grpc-message (PROTOCOL-HTTP2.md): the UTF-8
 * bytes outside printable ASCII, and "%" itself, become %XX; everything else,
 * spaces included, stays as it is.
 */
export function percentEncodeGrpcMessage(message: string): string {
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
