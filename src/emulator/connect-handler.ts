import type * as http from "node:http";
import type * as http2 from "node:http2";
import { promisify } from "node:util";
import type { ZlibOptions } from "node:zlib";
import { brotliDecompress, gunzip } from "node:zlib";
import type { DescService } from "@bufbuild/protobuf";
import { createConnectRouter } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { strictUtf8Text } from "./strict-utf8.js";
import { compressionBrotli, compressionGzip, universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;

export interface ConnectHandlerOptions {
  /** The services to serve, with their implementations keyed by local method name. */
  services: { service: DescService; impl: object }[];
  /** Largest request body read. */
  readMaxBytes: number;
}

/**
 * The Connect protocol (JSON and binary): always for the v2 services (as
 * ZITADEL, whose v2 services are connect-go handlers), and on the v1 paths
 * only as a convenience of the emulator, switched on with
 * startEmulator({ connectV1: true }).
 *
 * connect-node decodes JSON without complaint about invalid UTF-8, replacing
 * it with U+FFFD, so a key would be stored other than sent. The raw JSON is
 * therefore checked with a strict decoder first, and refused with 400
 * invalid_argument.
 */
export function createConnectHandler(options: ConnectHandlerOptions): (req: NodeRequest, res: NodeResponse) => void {
  const router = createConnectRouter({
    connect: true,
    grpc: false,
    grpcWeb: false,
    readMaxBytes: options.readMaxBytes,
    acceptCompression: [compressionGzip, compressionBrotli],
  });
  for (const { service, impl } of options.services) router.service(service, impl);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, h]));
  return (req, res) => {
    const handler = handlers.get((req.url ?? "").split("?")[0]!);
    serve(req, res, handler, options.readMaxBytes).catch(() => {
      // Only a broken connection (or a bug) gets here.
      if (!res.headersSent) writeConnectError(res, 500, "internal", "the emulator failed to answer this Connect call");
    });
  };
}

async function serve(req: NodeRequest, res: NodeResponse, handler: UniversalHandler | undefined, readMaxBytes: number) {
  if (!handler) {
    req.resume();
    return writeConnectError(res, 404, "unimplemented", `no such RPC: ${(req.url ?? "").split("?")[0]!.slice(0, 200)}`);
  }
  const method = (req.method ?? "").toUpperCase();
  const mediaType = String(req.headers["content-type"] ?? "")
    .split(";")[0]!
    .trim()
    .toLowerCase();
  let body: Buffer | undefined;
  if (method === "POST" && mediaType === "application/json") {
    body = await readBody(req, readMaxBytes);
    if (body === undefined) {
      return writeConnectError(res, 429, "resource_exhausted", `the request body is larger than ${readMaxBytes} bytes`);
    }
    const json = await inflated(body, String(req.headers["content-encoding"] ?? "identity"), readMaxBytes);
    if (json !== undefined && strictUtf8Text(json) === undefined) return writeConnectError(res, 400, "invalid_argument", invalidUtf8);
  }
  // (Connect GET needs an RPC marked free of side effects; none of ours is, so connect-node answers it 405.)
  const universal = universalRequestFromNodeRequest(req, res, undefined, undefined);
  // The body was read for the check above; connect-node gets the same bytes.
  const uRes = await handler(body === undefined ? universal : { ...universal, body: oneChunk(body) });
  await universalResponseToNodeResponse(uRes, res);
}

const invalidUtf8 = "the JSON request body is not valid UTF-8; send JSON as UTF-8 (bytes fields travel as base64, which is plain ASCII)";

const inflaters: Record<string, (bytes: Uint8Array, options: ZlibOptions) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  br: promisify(brotliDecompress),
};

/**
 * The body as JSON bytes, or undefined when it cannot be inflated within
 * `limit` bytes (connect-node then answers for it).
 */
async function inflated(body: Uint8Array, encoding: string, limit: number): Promise<Uint8Array | undefined> {
  const name = encoding.trim().toLowerCase();
  if (name === "identity" || name === "") return body;
  const inflate = inflaters[name];
  if (!inflate) return undefined;
  try {
    return await inflate(body, { maxOutputLength: limit });
  } catch {
    return undefined;
  }
}

/** Reads the body, or undefined when it is larger than `limit` (the rest is drained). */
function readBody(req: NodeRequest, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on("error", reject);
  });
}

async function* oneChunk(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** A Connect unary error: the HTTP status of its code and {"code","message"}. */
function writeConnectError(res: NodeResponse, status: number, code: string, message: string): void {
  const text = JSON.stringify({ code, message });
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
  res.end(text);
}
