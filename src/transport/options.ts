import type { BinaryReadOptions, BinaryWriteOptions, JsonReadOptions, JsonWriteOptions } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import type { Compression } from "@connectrpc/connect/protocol";
import type { Auth } from "../auth/token-source.js";
import { checkTimeoutMs, parseBaseUrl } from "../core/base-url.js";
import { createZitadelInterceptor } from "../interceptor/interceptor.js";
import { createConnectV1Guard } from "./connect-v1-guard.js";

/** The wire protocols a transport can speak. */
export type ZitadelProtocol = "grpc" | "grpc-web" | "connect" | "rest";

/** Options shared by the Node and browser transports. */
export interface CommonZitadelTransportOptions {
  /** The ZITADEL instance, e.g. "https://acme.zitadel.cloud". */
  baseUrl: string;
  /**
   * "grpc", "grpc-web" and "rest" reach every ZITADEL ("rest" is the JSON
   * gateway under /management/v1 and /auth/v1, plain fetch, handy behind
   * proxies that do not pass gRPC); "connect" reaches ZITADEL's v2 services
   * only: ZITADEL does not serve Connect for v1, so a v1 call over it fails
   * before sending unless `connectV1` is set.
   */
  protocol: ZitadelProtocol;
  /**
   * Only for an emulator started with connectV1: lets protocol "connect" call
   * the v1 services (ManagementService, AuthService), which a real ZITADEL
   * does not serve over Connect. Default false. Refused with other protocols.
   */
  connectV1?: boolean;
  /** A token (e.g. a personal access token) or a function that returns one per call. */
  auth: Auth;
  /** Default organization (`x-zitadel-orgid`); override per call with `withOrgId()`. */
  orgId?: string;
  /**
   * Send the bearer token over plain http:// to hosts other than loopback.
   * Default false: anyone on the network path could read it. Loopback is
   * always allowed, for a local emulator.
   */
  allowInsecure?: boolean;
  /** More interceptors; they run inside ours, so they see the auth and org headers. */
  interceptors?: Interceptor[];
  /** Deadline for calls that set none themselves, in milliseconds. */
  defaultTimeoutMs?: number;
  /** Use the binary format of the Connect protocol instead of JSON (Connect only; "rest" refuses it). */
  useBinaryFormat?: boolean;
  jsonOptions?: Partial<JsonReadOptions & JsonWriteOptions>;
  binaryOptions?: Partial<BinaryReadOptions & BinaryWriteOptions>;
}

/** Options that only the Node transports understand. */
export interface NodeOnlyTransportOptions {
  /** "1.1" or "2" for gRPC-web and Connect (default "1.1"); gRPC always uses HTTP/2. */
  httpVersion?: "1.1" | "2";
  readMaxBytes?: number;
  writeMaxBytes?: number;
  sendCompression?: Compression;
  acceptCompression?: Compression[];
  compressMinBytes?: number;
  /** HTTP/2 keep-alive and idle settings. */
  pingIntervalMs?: number;
  pingIdleConnection?: boolean;
  pingTimeoutMs?: number;
  idleConnectionTimeoutMs?: number;
}

const protocols: readonly ZitadelProtocol[] = ["grpc", "grpc-web", "connect", "rest"];

/**
 * Checks the options every transport shares and returns the interceptor
 * chain: ours first, so the caller's interceptors see our headers (and, for
 * "connect" without connectV1, the guard that refuses v1 calls before them).
 */
export function validateCommonOptions(options: CommonZitadelTransportOptions, entry: string): Interceptor[] {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${entry}: expected an options object such as { baseUrl, protocol, auth }.`);
  }
  parseBaseUrl(options.baseUrl, `${entry}: option "baseUrl"`, "baseUrl");
  checkTimeoutMs(options.defaultTimeoutMs, `${entry}: option "defaultTimeoutMs"`, "defaultTimeoutMs");
  if (!protocols.includes(options.protocol)) {
    throw new TypeError(`${entry}: option "protocol" must be one of ${protocols.map((p) => `"${p}"`).join(", ")}.`);
  }
  if (options.protocol === "rest" && options.useBinaryFormat === true) {
    throw new TypeError(`${entry}: protocol "rest" speaks JSON only; drop "useBinaryFormat" or use protocol "connect".`);
  }
  if (options.connectV1 !== undefined && typeof options.connectV1 !== "boolean") {
    throw new TypeError(`${entry}: option "connectV1" must be true or false.`);
  }
  if (options.connectV1 === true && options.protocol !== "connect") {
    throw new TypeError(
      `${entry}: option "connectV1" applies to protocol "connect" only (an emulator started with connectV1); drop it for protocol "${options.protocol}".`,
    );
  }
  if (options.auth === undefined) {
    throw new TypeError(`${entry}: option "auth" is missing: pass a personal access token or a token source.`);
  }
  const zitadel = createZitadelInterceptor({
    auth: options.auth,
    orgId: options.orgId,
    baseUrl: options.baseUrl,
    allowInsecure: options.allowInsecure,
  });
  // The guard goes first: a call it refuses must not even fetch a token.
  const guard = options.protocol === "connect" && options.connectV1 !== true ? [createConnectV1Guard()] : [];
  return [...guard, zitadel, ...(options.interceptors ?? [])];
}
