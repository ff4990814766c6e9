import type * as http from "node:http";
import type * as http2 from "node:http2";
import type * as https from "node:https";
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { CommonZitadelTransportOptions, NodeOnlyTransportOptions } from "./options.js";
import { validateCommonOptions } from "./options.js";
import { createRestTransport } from "./rest.js";

export interface ZitadelTransportOptions extends CommonZitadelTransportOptions, NodeOnlyTransportOptions {
  /**
   * The fetch for protocol "rest" (default: the global one), e.g. one with an
   * undici dispatcher for a private certificate authority.
   */
  fetch?: typeof globalThis.fetch;
  /**
   * Passed to Node's http/https request (HTTP/1.1) or http2.connect (HTTP/2),
   * e.g. `{ ca }` for a private certificate authority.
   */
  nodeOptions?:
    | Omit<http.RequestOptions, "signal">
    | Omit<https.RequestOptions, "signal">
    | http2.ClientSessionOptions
    | http2.SecureClientSessionOptions;
}

// Settings of Node's http/http2 clients; "rest" goes through fetch, which has none of them.
const connectionOptions = [
  "httpVersion",
  "nodeOptions",
  "readMaxBytes",
  "writeMaxBytes",
  "sendCompression",
  "acceptCompression",
  "compressMinBytes",
  "pingIntervalMs",
  "pingIdleConnection",
  "pingTimeoutMs",
  "idleConnectionTimeoutMs",
] as const satisfies readonly (keyof ZitadelTransportOptions)[];

/**
 * A Connect transport to ZITADEL for Node: gRPC (HTTP/2), gRPC-web, the
 * Connect protocol (ZITADEL's v2 APIs; v1 only with `connectV1`, for an
 * emulator) or the REST gateway (fetch), with the bearer token and
 * organization header on every call.
 *
 * @example
 * const transport = createZitadelTransport({
 *   baseUrl: "https://acme.zitadel.cloud",
 *   protocol: "grpc",
 *   auth: accessToken(process.env.ZITADEL_TOKEN!),
 *   orgId: "69629023906488334",
 * });
 */
export function createZitadelTransport(options: ZitadelTransportOptions): Transport {
  const interceptors = validateCommonOptions(options, "createZitadelTransport");
  const {
    auth: _auth,
    orgId: _orgId,
    allowInsecure: _allowInsecure,
    connectV1: _connectV1,
    protocol,
    httpVersion,
    fetch: _fetch,
    ...rest
  } = options;
  if (_fetch !== undefined && protocol !== "rest") {
    throw new TypeError('createZitadelTransport: option "fetch" applies to protocol "rest" only; the other protocols use Node\'s http modules.');
  }
  if (protocol === "rest") {
    // Refused rather than ignored: a CA in nodeOptions that silently did nothing would surface as a TLS error later.
    const unsupported = connectionOptions.filter((name) => options[name] !== undefined);
    if (unsupported.length > 0) {
      throw new TypeError(
        `createZitadelTransport: protocol "rest" uses the global fetch, so ${unsupported.map((n) => `"${n}"`).join(", ")} cannot apply; drop ${unsupported.length === 1 ? "it" : "them"}, or pass a fetch configured as you need (option "fetch").`,
      );
    }
    if (options.binaryOptions !== undefined) {
      throw new TypeError('createZitadelTransport: protocol "rest" speaks JSON only, so "binaryOptions" cannot apply; use "jsonOptions".');
    }
    const { baseUrl, defaultTimeoutMs, jsonOptions, fetch } = options;
    return createRestTransport({ baseUrl, interceptors, defaultTimeoutMs, jsonOptions, fetch });
  }
  if (httpVersion !== undefined && httpVersion !== "1.1" && httpVersion !== "2") {
    throw new TypeError('createZitadelTransport: option "httpVersion" must be "1.1" or "2".');
  }
  if (protocol === "grpc") {
    if (options.useBinaryFormat !== undefined || options.jsonOptions !== undefined) {
      // Refused rather than ignored, like the options REST cannot use.
      throw new TypeError('createZitadelTransport: gRPC is binary protobuf only; drop "useBinaryFormat" and "jsonOptions", or use protocol "connect" or "rest".');
    }
    if (httpVersion === "1.1") {
      throw new TypeError('createZitadelTransport: gRPC needs HTTP/2; drop httpVersion or use protocol "grpc-web".');
    }
    return createGrpcTransport({ ...rest, interceptors } as Parameters<typeof createGrpcTransport>[0]);
  }
  const shared = { ...rest, interceptors, httpVersion: httpVersion ?? "1.1" };
  return protocol === "grpc-web"
    ? createGrpcWebTransport(shared as Parameters<typeof createGrpcWebTransport>[0])
    : createConnectTransport(shared as Parameters<typeof createConnectTransport>[0]);
}
