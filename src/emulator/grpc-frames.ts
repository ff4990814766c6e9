import { Code, ConnectError } from "@connectrpc/connect";

// gRPC and gRPC-web carry each message in a frame: one flag byte, a 4-byte
// big-endian length, then the bytes. gRPC-web sends its trailers the same way,
// with the flag's high bit set.

/** Flag bit: the frame's bytes are compressed with the call's grpc-encoding. */
export const compressedFlag = 0x01;
/** Flag bit: a gRPC-web trailer frame (status fields as "name: value" lines). */
export const trailerFlag = 0x80;
/** Flag byte and length. */
export const framePrefixBytes = 5;

/** The one request message of a unary call, still compressed when `compressed` says so. */
export interface RequestMessage {
  compressed: boolean;
  bytes: Uint8Array;
}

/**
 * grpc-go's answer to a request frame whose flag byte is neither 0 nor
 * "compressed" (1), e.g. gRPC-web's trailer flag 0x80, which only a server
 * may send: Internal "grpc: received unexpected payload format <flag>"
 * (its checkRecvPayload). Undefined for a flag that is fine.
 */
export function unexpectedFlag(flag: number): ConnectError | undefined {
  if (flag === 0 || flag === compressedFlag) return undefined;
  return new ConnectError(`grpc: received unexpected payload format ${flag}`, Code.Internal);
}

/** The length the first frame declares, once its prefix has arrived; undefined before. */
export function declaredLength(body: Uint8Array): number | undefined {
  if (body.length < framePrefixBytes) return undefined;
  return new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(1);
}

/** The message of a unary request body, which must be exactly one message frame. */
export function singleMessage(body: Uint8Array): RequestMessage {
  const length = declaredLength(body);
  if (length === undefined) {
    throw new ConnectError(
      body.length === 0
        ? "grpc: the request has no message; a unary call sends exactly one framed message"
        : `grpc: the request body ends inside a frame prefix (${body.length} of ${framePrefixBytes} bytes)`,
      Code.Internal,
    );
  }
  const flag = body[0]!;
  const refusal = unexpectedFlag(flag);
  if (refusal) throw refusal;
  const end = framePrefixBytes + length;
  if (body.length < end) {
    throw new ConnectError(
      `grpc: the request message is truncated: the frame declares ${length} bytes, ${body.length - framePrefixBytes} arrived`,
      Code.Internal,
    );
  }
  if (body.length > end) {
    throw new ConnectError("grpc: the request holds more than one message; a unary call sends exactly one", Code.Internal);
  }
  return { compressed: (flag & compressedFlag) !== 0, bytes: body.subarray(framePrefixBytes, end) };
}

/** One frame: a message (flag 0) or, with {@link trailerFlag}, gRPC-web trailers. */
export function frame(flag: number, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(framePrefixBytes + payload.length);
  out[0] = flag;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, framePrefixBytes);
  return out;
}

/** gRPC-web's trailer frame: the fields as HTTP/1.1 header lines. */
export function trailerFrame(fields: Readonly<Record<string, string>>): Buffer {
  const lines = Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`);
  return frame(trailerFlag, Buffer.from(lines.join(""), "latin1"));
}

/**
 * The bytes of an application/grpc-web-text body: base64, which a client may
 * send as several padded chunks one after the other (one per frame).
 */
export function decodeGrpcWebText(text: string): Buffer {
  const compact = text.replace(/\s+/g, "");
  const chunks = compact.match(/[A-Za-z0-9+/]+={0,2}/g) ?? [];
  if (chunks.join("") !== compact) {
    throw new ConnectError("grpc-web-text: the request body is not base64", Code.Internal);
  }
  return Buffer.concat(chunks.map((chunk) => Buffer.from(chunk, "base64")));
}
