// Exact requests over HTTP/1.1 (node:http) and HTTP/2 (node:http2), with no
// RPC client in between, and the frames of gRPC and gRPC-web bodies: for tests
// that check what goes over the wire byte for byte.
import * as http from "node:http";
import * as http2 from "node:http2";
import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { StatusSchema } from "../../gen/google/rpc/status_pb.js";
import { ErrorDetailSchema } from "../../gen/zitadel/message_pb.js";

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** HTTP/2 only: the response HEADERS frame ended the stream (no DATA frame followed). */
  endedWithHeaders?: boolean;
  /** HTTP/2 only: trailers, when a HEADERS frame followed the data. */
  trailers?: http2.IncomingHttpHeaders;
}

/** One HTTP/1.1 request with exactly these headers. */
export function http1(url: string, request: RawRequest = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: request.method ?? "POST", headers: request.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(request.body);
  });
}

/** One HTTP/2 request (prior knowledge, cleartext) on a connection of its own. */
export function http2Request(url: string, request: RawRequest = {}): Promise<RawResponse> {
  const target = new URL(url);
  const session = http2.connect(target.origin);
  return new Promise<RawResponse>((resolve, reject) => {
    session.on("error", reject);
    const stream = session.request({
      ":method": request.method ?? "POST",
      ":path": `${target.pathname}${target.search}`,
      ...request.headers,
    });
    const chunks: Buffer[] = [];
    let status = 0;
    let headers: http.IncomingHttpHeaders = {};
    let endedWithHeaders = false;
    let trailers: http2.IncomingHttpHeaders | undefined;
    stream.on("response", (h, flags) => {
      status = Number(h[":status"]);
      headers = h as http.IncomingHttpHeaders;
      endedWithHeaders = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    });
    stream.on("trailers", (t) => (trailers = t));
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve({ status, headers, body: Buffer.concat(chunks), endedWithHeaders, trailers }));
    stream.on("error", reject);
    stream.end(request.body);
  }).finally(() => session.close());
}

/** A gRPC / gRPC-web message frame: flag, 4-byte length, bytes. */
export function frame(bytes: Uint8Array, flag = 0): Buffer {
  const out = Buffer.alloc(5 + bytes.length);
  out[0] = flag;
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
}

/** A request message, binary-encoded and framed. */
export function framedMessage<Desc extends DescMessage>(schema: Desc, init: MessageInitShape<Desc>): Buffer {
  return frame(toBinary(schema, create(schema, init)));
}

/** The frames of a response body, in order. */
export function parseFrames(body: Uint8Array): { flag: number; bytes: Buffer }[] {
  const buffer = Buffer.from(body);
  const frames: { flag: number; bytes: Buffer }[] = [];
  for (let at = 0; at < buffer.length; ) {
    const length = buffer.readUInt32BE(at + 1);
    frames.push({ flag: buffer[at]!, bytes: buffer.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return frames;
}

/** A gRPC-web trailer frame's fields, by lowercase name. */
export function trailerFields(bytes: Uint8Array): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of Buffer.from(bytes).toString("latin1").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return fields;
}

/** What grpc-status-details-bin holds: the status and its ZITADEL ErrorDetails. */
export function statusDetails(headerValue: string | string[] | undefined) {
  const status = fromBinary(StatusSchema, Buffer.from(String(headerValue ?? ""), "base64"));
  return {
    code: status.code,
    message: status.message,
    details: status.details.map((any) => {
      const detail = fromBinary(ErrorDetailSchema, any.value);
      return { typeUrl: any.typeUrl, id: detail.id, message: detail.message };
    }),
  };
}
