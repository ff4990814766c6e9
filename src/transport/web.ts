import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import type { CommonZitadelTransportOptions, ZitadelProtocol } from "./options.js";
import { validateCommonOptions } from "./options.js";
import { createRestTransport } from "./rest.js";

export interface WebZitadelTransportOptions extends Omit<CommonZitadelTransportOptions, "protocol"> {
  /**
   * Browsers cannot speak plain gRPC: "grpc-web" and "rest" reach every
   * ZITADEL, "connect" the emulator and v2.
   */
  protocol: Exclude<ZitadelProtocol, "grpc">;
  /** A fetch implementation; defaults to the global one. */
  fetch?: typeof globalThis.fetch;
  /** Fetch's credentials mode; defaults to "same-origin". */
  credentials?: RequestCredentials;
}

/**
 * A Connect transport to ZITADEL for browsers (fetch-based): gRPC-web, the
 * Connect protocol or the REST gateway, with the bearer token and
 * organization header on every call.
 */
export function createZitadelTransport(options: WebZitadelTransportOptions): Transport {
  if ((options?.protocol as string) === "grpc") {
    throw new TypeError('createZitadelTransport: browsers cannot speak gRPC over HTTP/2; use protocol "grpc-web" or "rest".');
  }
  const interceptors = validateCommonOptions(options as CommonZitadelTransportOptions, "createZitadelTransport");
  const { auth: _auth, orgId: _orgId, allowInsecure: _allowInsecure, protocol, ...rest } = options;
  if (protocol === "rest") {
    const { baseUrl, defaultTimeoutMs, jsonOptions, fetch, credentials } = options;
    return createRestTransport({ baseUrl, interceptors, defaultTimeoutMs, jsonOptions, fetch, credentials });
  }
  const shared = { ...rest, interceptors };
  return protocol === "grpc-web" ? createGrpcWebTransport(shared) : createConnectTransport(shared);
}
