import type * as http from "node:http";
import type * as http2 from "node:http2";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { create, fromBinary, fromJsonString, toBinary, toJsonString } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { Code, ConnectError, createHandlerContext } from "@connectrpc/connect";
import { untilAborted } from "../core/abort.js";
import { apiVersionOf, messageLimitsOf } from "../zitadel/versions.js";
import { declaredLength, decodeGrpcWebText, frame, framePrefixBytes, singleMessage, trailerFrame } from "./grpc-frames.js";
import type { GrpcStatusFields } from "./grpc-status.js";
import { grpcOk, grpcStatusOf } from "./grpc-status.js";
import { parseGrpcTimeout } from "./grpc-timeout.js";
import { requestHeaders } from "./request-headers.js";

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;
type UnaryImpl = (req: unknown, ctx: HandlerContext) => unknown;

/**
 * How a call travels: gRPC-web (binary or base64 "text" bodies, trailers in
 * the body), or native gRPC (HTTP/2 trailers).
 */
export type GrpcWire = "grpc-web" | "grpc-web-text" | "grpc";

export interface GrpcUnaryHandlerOptions {
  /** The services to serve, with their implementations keyed by local method name. */
  services: { service: DescService; impl: object }[];
  /** Largest request body read at all; the API version's message limit (v1: 4 MiB) applies on top. */
  readMaxBytes: number;
}

export type GrpcUnaryHandler = (req: NodeRequest, res: NodeResponse, wire: GrpcWire) => void;

interface Target {
  service: DescService;
  method: DescMethod;
  impl: UnaryImpl;
}

/**
 * Unary calls as ZITADEL's v1 gRPC-web answers them (the improbable-eng
 * wrapper around grpc-go): a success is response headers, one message frame
 * and one trailer frame with grpc-status 0; a failure is "trailers-only",
 * HTTP 200 with grpc-status, grpc-message and grpc-status-details-bin in the
 * response headers and an empty body. Native gRPC calls the same way, for
 * content-subtypes the connect-node handler would treat differently from
 * grpc-go.
 *
 * For v1, like grpc-go, it decodes every request as binary protobuf whatever
 * the content-subtype says (grpc-go has no JSON codec and falls back to
 * proto), so a JSON body fails with Internal "grpc: error unmarshalling
 * request". The v2 services are connect-go handlers, which have a JSON codec:
 * "+json" there means proto3 JSON both ways (the API version's servesGrpcJson).
 */
export function createGrpcUnaryHandler(options: GrpcUnaryHandlerOptions): GrpcUnaryHandler {
  const targets = new Map<string, Target>();
  const serviceNames = new Set<string>();
  for (const { service, impl } of options.services) {
    serviceNames.add(service.typeName);
    for (const method of service.methods) {
      const fn = (impl as Record<string, UnaryImpl | undefined>)[method.localName];
      if (method.methodKind === "unary" && typeof fn === "function") {
        targets.set(`/${service.typeName}/${method.name}`, { service, method, impl: fn });
      }
    }
  }
  return (req, res, wire) => {
    serve(req, res, wire, targets, serviceNames, options.readMaxBytes).catch((e: unknown) => {
      // Only a bug gets here; still answer the way a gRPC client understands.
      writeTrailersOnly(res, mediaTypeOf(req), grpcStatusOf(ConnectError.from(e, Code.Internal)));
    });
  };
}

async function serve(
  req: NodeRequest,
  res: NodeResponse,
  wire: GrpcWire,
  targets: ReadonlyMap<string, Target>,
  serviceNames: ReadonlySet<string>,
  readMaxBytes: number,
): Promise<void> {
  const contentType = mediaTypeOf(req);
  const refuse = (err: ConnectError) => {
    req.resume();
    writeTrailersOnly(res, contentType, grpcStatusOf(err));
  };
  if (wire === "grpc" && !("stream" in res)) {
    // grpc-go's words; gRPC-web is what works over HTTP/1.1.
    req.resume();
    res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
    res.end("gRPC requires HTTP/2\n");
    return;
  }
  const path = (req.url ?? "").split("?")[0]!;
  const target = targets.get(path);
  if (!target) return refuse(unknownRpc(path, serviceNames));
  // v1's grpc-go refuses a message over 4 MiB; v2's connect-go reads up to the emulator's body limit.
  const maxMessageBytes = messageLimitsOf(target.service.typeName)?.maxRequestBytes ?? readMaxBytes;
  const json = contentType.endsWith("+json") && apiVersionOf(target.service.typeName)?.servesGrpcJson === true;
  const arrived = performance.now();
  let timeoutMs: number | undefined;
  try {
    timeoutMs = parseGrpcTimeout(req.headers["grpc-timeout"]);
  } catch (e) {
    return refuse(ConnectError.from(e));
  }
  const encoding = String(req.headers["grpc-encoding"] ?? "identity").toLowerCase();
  if (encoding !== "identity" && encoding !== "gzip") {
    return refuse(new ConnectError(`grpc: Decompressor is not installed for grpc-encoding "${encoding.slice(0, 40)}"`, Code.Unimplemented));
  }

  const clientGone = new AbortController();
  res.on("close", () => clientGone.abort(new ConnectError("the client closed the call", Code.Canceled)));

  let request: unknown;
  try {
    const message = singleMessage(await readRequest(req, wire, readMaxBytes, maxMessageBytes));
    let bytes = message.bytes;
    if (message.compressed) {
      if (encoding === "identity") throw new ConnectError("grpc: compressed flag set with identity or empty encoding", Code.Internal);
      bytes = await decompress(bytes, maxMessageBytes);
    }
    if (json) {
      request = decodeJson(target.method, bytes);
    } else {
      try {
        request = fromBinary(target.method.input, bytes);
      } catch {
        // What grpc-go answers for bytes that are not protobuf, e.g. JSON sent as application/grpc-web+json.
        throw new ConnectError("grpc: error unmarshalling request: proto: cannot parse invalid wire-format data", Code.Internal);
      }
    }
  } catch (e) {
    if (!clientGone.signal.aborted) refuse(ConnectError.from(e, Code.Internal));
    return;
  }

  const ctx = createHandlerContext({
    service: target.service,
    method: target.method,
    protocolName: wire === "grpc" ? "grpc" : "grpc-web",
    requestMethod: req.method ?? "POST",
    url: `http://${String(req.headers[":authority"] ?? req.headers.host ?? "emulator")}${req.url ?? "/"}`,
    // The deadline counts from the request's arrival, not from the end of its body.
    timeoutMs: timeoutMs === undefined ? undefined : timeoutMs - (performance.now() - arrived),
    requestSignal: clientGone.signal,
    requestHeader: requestHeaders(req),
  });
  try {
    const response = await untilAborted(
      Promise.resolve().then(() => target.impl(request, ctx)),
      ctx.signal,
    );
    const message = create(target.method.output, response as never);
    const bytes = json ? Buffer.from(toJsonString(target.method.output, message), "utf8") : toBinary(target.method.output, message);
    if (!clientGone.signal.aborted) writeSuccess(res, wire, contentType, bytes);
  } catch (e) {
    if (!clientGone.signal.aborted) writeTrailersOnly(res, contentType, grpcStatusOf(ConnectError.from(e)));
  } finally {
    // Ends the deadline timer; the call is over either way.
    ctx.abort();
  }
}

/** grpc-go's answers for a path that names no method it serves. */
function unknownRpc(path: string, serviceNames: ReadonlySet<string>): ConnectError {
  const name = path.startsWith("/") ? path.slice(1) : path;
  const slash = name.lastIndexOf("/");
  if (slash < 0) return new ConnectError(`malformed method name: ${JSON.stringify(path.slice(0, 200))}`, Code.Unimplemented);
  const service = name.slice(0, slash).slice(0, 200);
  const method = name.slice(slash + 1).slice(0, 200);
  return serviceNames.has(service)
    ? new ConnectError(`unknown method ${method} for service ${service}`, Code.Unimplemented)
    : new ConnectError(`unknown service ${service}`, Code.Unimplemented);
}

/** The request body's bytes (base64-decoded for grpc-web-text), refusing a first message over `maxMessageBytes` as grpc-go does. */
async function readRequest(req: NodeRequest, wire: GrpcWire, readMaxBytes: number, maxMessageBytes: number): Promise<Buffer> {
  const tooLarge = (body: Uint8Array): ConnectError | undefined => {
    const length = declaredLength(body);
    if (length === undefined || length <= maxMessageBytes) return undefined;
    return new ConnectError(`grpc: received message larger than max (${length} vs. ${maxMessageBytes})`, Code.ResourceExhausted);
  };
  if (wire !== "grpc-web-text") return readBody(req, readMaxBytes, tooLarge);
  const body = decodeGrpcWebText((await readBody(req, readMaxBytes)).toString("latin1"));
  const refusal = tooLarge(body);
  if (refusal) throw refusal;
  return body;
}

/**
 * Reads the whole body, up to `limit` bytes. `check` sees the first frame
 * prefix as soon as it has arrived; once it refuses, the rest is read and
 * dropped (answering before the client has sent everything confuses HTTP/1.1
 * clients), and the refusal is the result.
 */
function readBody(req: NodeRequest, limit: number, check?: (head: Buffer) => ConnectError | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let checked = check === undefined;
    let refusal: ConnectError | undefined;
    req.on("data", (chunk: Buffer) => {
      if (refusal) return;
      size += chunk.length;
      chunks.push(chunk);
      if (!checked && size >= framePrefixBytes) {
        checked = true;
        refusal = check?.(Buffer.concat(chunks));
      }
      if (!refusal && size > limit) {
        refusal = new ConnectError(`grpc: the request body is larger than ${limit} bytes`, Code.ResourceExhausted);
      }
      if (refusal) chunks.length = 0;
    });
    req.on("end", () => (refusal ? reject(refusal) : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
    // A request the client abandoned ends without "end"; after "end" this changes nothing.
    req.on("close", () => reject(new ConnectError("the request body ended early", Code.Canceled)));
  });
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A JSON message as connect-go's codec reads it: proto3 JSON in UTF-8, unknown fields ignored; anything else InvalidArgument. */
function decodeJson(method: DescMethod, bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new ConnectError(`unmarshal into ${method.input.typeName}: the JSON message is not valid UTF-8`, Code.InvalidArgument);
  }
  try {
    return fromJsonString(method.input, text, { ignoreUnknownFields: true });
  } catch (e) {
    throw new ConnectError(`unmarshal into ${method.input.typeName}: ${(e as Error).message}`, Code.InvalidArgument);
  }
}

const gunzipAsync = promisify(gunzip);

/** A gzip-compressed message (the only grpc-encoding accepted besides identity), limited to `limit` bytes once inflated. */
async function decompress(bytes: Uint8Array, limit: number): Promise<Uint8Array> {
  try {
    return await gunzipAsync(bytes, { maxOutputLength: limit });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new ConnectError(`grpc: received message after decompression larger than max (more than ${limit})`, Code.ResourceExhausted);
    }
    throw new ConnectError(`grpc: failed to decompress the received message: ${(e as Error).message}`, Code.Internal);
  }
}

/** The request's media type without parameters, which the response mirrors (application/grpc-web+proto answers as such). */
function mediaTypeOf(req: NodeRequest): string {
  return String(req.headers["content-type"] ?? "")
    .split(";")[0]!
    .trim()
    .toLowerCase();
}

function writeSuccess(res: NodeResponse, wire: GrpcWire, contentType: string, message: Uint8Array): void {
  if (wire === "grpc") {
    // Native gRPC: the status goes into HTTP/2 trailers.
    res.writeHead(200, { "content-type": contentType });
    res.addTrailers(grpcOk);
    res.end(frame(0, message));
    return;
  }
  const frames = [frame(0, message), trailerFrame(grpcOk)];
  // grpc-web-text: each frame base64-encoded on its own, padding included, as gRPC-web servers send it.
  const body = wire === "grpc-web-text" ? Buffer.from(frames.map((f) => f.toString("base64")).join(""), "latin1") : Buffer.concat(frames);
  res.writeHead(200, { "content-type": contentType, "content-length": String(body.length) });
  res.end(body);
}

/**
 * A failed call as grpc-go and the improbable-eng wrapper send it: HTTP 200,
 * the status in the response headers, no body. Over HTTP/2 that is a single
 * HEADERS frame that ends the stream, with no DATA frame at all.
 */
function writeTrailersOnly(res: NodeResponse, contentType: string, status: GrpcStatusFields): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const headers = { "content-type": contentType, ...status, "content-length": "0" };
  if ("stream" in res) {
    if (res.stream.destroyed) return;
    // The compatibility API always ends with an empty DATA frame; respond() can end the stream with the headers.
    res.stream.respond({ ...res.getHeaders(), ...headers, ":status": 200 }, { endStream: true });
    return;
  }
  res.writeHead(200, headers);
  res.end();
}
