import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import type { CommonZitadelTransportOptions, ZitadelProtocol } from "./options.js";
import { validateCommonOptions } from "./options.js";
import { createRestTransport } from "./rest.js";

export interface WebZitadelTransportOptions extends Omit<CommonZitadelTransportOptions, "protocol"> {
  /**
   * Browsers cannot speak plain gRPC: "grpc-web" and "rest" reach every
   * ZITADEL, "connect" its v2 APIs (v1 only with `connectV1`, for an emulator
   * started with connectV1).
   */
  protocol: Exclude<ZitadelProtocol, "grpc">;
  /** A fetch implementation; defaults to the global one. */
  fetch?: typeof globalThis.fetch;
  /** Fetch's credentials mode; defaults to "same-origin". */
  credentials?: RequestCredentials;
}

/** Options of the one-protocol factories: the same, without `protocol`. */
export type WebZitadelProtocolTransportOptions = Omit<WebZitadelTransportOptions, "protocol">;

/**
 * A Connect transport to ZITADEL for browsers (fetch-based): gRPC-web, the
 * Connect protocol or the REST gateway, with the bearer token and
 * organization header on every call. It picks the protocol at run time, so a
 * bundle keeps all three; the one-protocol factories below keep only theirs.
 */
export function createZitadelTransport(options: WebZitadelTransportOptions): Transport {
  switch (options?.protocol as string) {
    case "grpc-web":
      return createZitadelGrpcWebTransport(options);
    case "connect":
      return createZitadelConnectTransport(options);
    case "rest":
      return createZitadelRestTransport(options);
    case "grpc":
      throw new TypeError('createZitadelTransport: browsers cannot speak gRPC over HTTP/2; use protocol "grpc-web" or "rest".');
    default:
      // A missing options object gets the shared validation's message.
      if (options === null || typeof options !== "object") validateCommonOptions(options, "createZitadelTransport");
      throw new TypeError('createZitadelTransport: option "protocol" must be "grpc-web", "connect" or "rest".');
  }
}

/** createZitadelTransport for gRPC-web only: the smallest bundle (see the README's bundle sizes). */
export function createZitadelGrpcWebTransport(options: WebZitadelProtocolTransportOptions): Transport {
  const { interceptors, rest } = prepare(options, "grpc-web", "createZitadelGrpcWebTransport");
  return createGrpcWebTransport({ ...rest, interceptors });
}

/**
 * createZitadelTransport for the Connect protocol only: ZITADEL's v2 APIs. Its
 * v1 calls fail before sending unless `connectV1: true` (only for an emulator
 * started with connectV1).
 */
export function createZitadelConnectTransport(options: WebZitadelProtocolTransportOptions): Transport {
  const { interceptors, rest } = prepare(options, "connect", "createZitadelConnectTransport");
  return createConnectTransport({ ...rest, interceptors });
}

/** createZitadelTransport for ZITADEL's REST gateway only. */
export function createZitadelRestTransport(options: WebZitadelProtocolTransportOptions): Transport {
  const { interceptors } = prepare(options, "rest", "createZitadelRestTransport");
  const { baseUrl, defaultTimeoutMs, jsonOptions, fetch, credentials } = options;
  return createRestTransport({ baseUrl, interceptors, defaultTimeoutMs, jsonOptions, fetch, credentials });
}

function prepare(options: WebZitadelProtocolTransportOptions, protocol: ZitadelProtocol, entry: string) {
  const interceptors = validateCommonOptions({ ...options, protocol } as CommonZitadelTransportOptions, entry);
  const {
    auth: _auth,
    orgId: _orgId,
    allowInsecure: _allowInsecure,
    connectV1: _connectV1,
    protocol: _protocol,
    ...rest
  } = options as WebZitadelTransportOptions;
  return { interceptors, rest };
}
