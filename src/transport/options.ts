// The options every transport shares, the type tools the per-protocol option
// types are built with, and the checks both runtimes run. Browser-safe: the
// Node and browser option types live in node.ts and web.ts, derived from
// connect-node's and connect-web's own types; which option applies where is
// option-table.ts.
import type { BinaryReadOptions, BinaryWriteOptions, JsonReadOptions, JsonWriteOptions } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import type { Auth } from "../auth/token-source.js";
import { checkTimeoutMs, parseBaseUrl } from "../core/base-url.js";
import { createZitadelInterceptor } from "../interceptor/interceptor.js";
import type { RetryOptions } from "../interceptor/retry.js";
import { checkRetryOptions, createRetryInterceptor } from "../interceptor/retry.js";
import { createConnectV1Guard, createGrpcWebJsonGuard } from "./connect-v1-guard.js";
import { ZitadelConfigError } from "../core/config-error.js";
import { createConnectionFailureInterceptor } from "../interceptor/connection-failure.js";

/** The wire protocols a transport can speak. */
export type ZitadelProtocol = "grpc" | "grpc-web" | "connect" | "rest";

/** The same, as a list (for messages and checks). */
export const zitadelProtocols: readonly ZitadelProtocol[] = ["grpc", "grpc-web", "connect", "rest"];

/**
 * The options that are ours rather than connect's: the instance, the
 * protocol, credentials and organization. `baseUrl` and `interceptors` are
 * connect's names too; we check the one and put our interceptor in front of
 * the other, and pass both on.
 */
export interface ZitadelOwnOptions {
  /** The ZITADEL instance, e.g. "https://acme.zitadel.cloud". */
  baseUrl: string;
  /**
   * "grpc", "grpc-web" and "rest" reach every ZITADEL ("rest" is the JSON
   * gateway under /management/v1 and /auth/v1, handy behind proxies that do
   * not pass gRPC); "connect" reaches ZITADEL's v2 services only: ZITADEL
   * does not serve Connect for v1, so a v1 call over it fails before sending
   * unless `connectV1` is set.
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
  /** More interceptors; they run inside ours, so they see the auth and org headers (and run once per attempt). */
  interceptors?: Interceptor[];
  /**
   * How calls that fail transiently are repeated; `false` for never.
   * Default `{ maxAttempts: 4, initialBackoffMs: 100, maxBackoffMs: 5000,
   * attemptTimeoutMs: 10000 }`: up to 3 retries, an attempt without an
   * answer after 10 s abandoned and retried, full-jitter exponential backoff (or the delay the
   * server asks for with Retry-After or grpc-retry-pushback-ms), on
   * Unavailable, ResourceExhausted, HTTP 429/502/503/504 and connection
   * resets, for the RPCs ZITADEL's semantics make safe to repeat (reads, v1
   * Set/BulkSet, v2 Set); removes only with `removes: true`. All attempts
   * share the call's deadline and AbortSignal. See RetryOptions.
   */
  retry?: RetryOptions | false;
}

/** The names of our own options (see ZitadelOwnOptions). */
export type OwnOptionKey = keyof ZitadelOwnOptions;

/**
 * The options of connect's transports that both runtimes have: connect-web's
 * gRPC-web options (a subset of connect-node's) without `fetch` and without
 * the names we own. Spelled out with types from @connectrpc/connect and
 * @bufbuild/protobuf only, so that the Node entry's types do not need
 * @connectrpc/connect-web (an optional peer dependency); web.ts stops
 * compiling if connect-web's set drifts from this one.
 */
export interface SharedConnectOptions {
  /** Protobuf binary instead of JSON where the protocol offers both (gRPC-web and Connect). */
  useBinaryFormat?: boolean;
  /** Options for the JSON format (by default, unknown fields are ignored). */
  jsonOptions?: Partial<JsonReadOptions & JsonWriteOptions>;
  /** Options for the binary wire format. */
  binaryOptions?: Partial<BinaryReadOptions & BinaryWriteOptions>;
  /** The deadline of every call in milliseconds, unless the call sets its own `timeoutMs`. */
  defaultTimeoutMs?: number;
}

/** Options shared by the Node and browser transports: ours, plus SharedConnectOptions. */
export type CommonZitadelTransportOptions = ZitadelOwnOptions & SharedConnectOptions;

/** Every key of every member of a union (`keyof` of a union gives only the shared ones). */
export type Keys<T> = T extends unknown ? keyof T : never;

/** Omit on each member of a union, so that a discriminated union stays one. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Pick on each member of a union. */
export type DistributivePick<T, K extends PropertyKey> = T extends unknown ? Pick<T, Extract<K, keyof T>> : never;

/**
 * connect-node's transports take `httpVersion: "1.1" | "2"` as the
 * discriminant of a union, required. Ours default to "1.1", so the "1.1"
 * member gets it optional; `o.httpVersion === "2"` still narrows to the
 * HTTP/2 member.
 */
export type HttpVersionOptional<T> = T extends { httpVersion: "1.1" } ? Omit<T, "httpVersion"> & { httpVersion?: "1.1" } : T;

type ValueOf<U, K extends PropertyKey> = U extends unknown ? (K extends keyof U ? U[K] : never) : never;

/** true for a member of U in which K is optional or missing. */
type OptionalIn<U, K extends PropertyKey> = U extends unknown ? (K extends keyof U ? (Partial<Pick<U, K>> extends Pick<U, K> ? true : false) : true) : never;

/** The keys every member of the union requires. */
type RequiredKeys<U> = { [K in Keys<U>]-?: true extends OptionalIn<U, K> ? never : K }[Keys<U>];

/**
 * One object type for a union of per-protocol option types: what all of them
 * require stays required, every other key of any member is optional with the
 * union of its types. For callers that pick the protocol at run time; the
 * option table then refuses what the chosen protocol cannot use.
 */
export type FlatOptions<U> = { [K in RequiredKeys<U>]: ValueOf<U, K> } & { [K in Exclude<Keys<U>, RequiredKeys<U>>]?: ValueOf<U, K> };

/**
 * Checks that the options are an object, and that `protocol` is one of the
 * runtime's. Returns the protocol.
 */
export function checkProtocol<P extends ZitadelProtocol>(options: unknown, entry: string, allowed: readonly P[]): P {
  if (options === null || typeof options !== "object") {
    throw new ZitadelConfigError({ code: "ERR_INVALID_OPTION", entry: entry, problem: `expected an options object such as { baseUrl, protocol, auth }.` });
  }
  const protocol: unknown = Reflect.get(options, "protocol");
  const known = allowed.find((p) => p === protocol);
  if (known === undefined) {
    const names = allowed.map((p) => `"${p}"`);
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "protocol",
      entry,
      problem: `option "protocol" must be one of ${names.slice(0, -1).join(", ")} or ${names.at(-1)}.`,
    });
  }
  return known;
}

/**
 * Checks the options every transport shares and returns the interceptor
 * chain: ours first, so the caller's interceptors see our headers (and, for
 * "connect" without connectV1, the guard that refuses v1 calls before them).
 * Which option may be used with which protocol is the option table's
 * business (checkOptions), done before this.
 */
export function validateCommonOptions(options: Omit<CommonZitadelTransportOptions, "protocol">, protocol: ZitadelProtocol, entry: string): Interceptor[] {
  if (options === null || typeof options !== "object") {
    throw new ZitadelConfigError({ code: "ERR_INVALID_OPTION", entry: entry, problem: `expected an options object such as { baseUrl, protocol, auth }.` });
  }
  parseBaseUrl(options.baseUrl, `${entry}: option "baseUrl"`, "baseUrl");
  checkTimeoutMs(options.defaultTimeoutMs, `${entry}: option "defaultTimeoutMs"`, "defaultTimeoutMs");
  if (options.connectV1 !== undefined && typeof options.connectV1 !== "boolean") {
    throw new ZitadelConfigError({ code: "ERR_INVALID_OPTION", option: "connectV1", entry: entry, problem: `option "connectV1" must be true or false.` });
  }
  if (options.interceptors !== undefined && !Array.isArray(options.interceptors)) {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "interceptors",
      entry: entry,
      problem: `option "interceptors" must be an array of interceptors.`,
    });
  }
  if (options.auth === undefined) {
    throw new ZitadelConfigError({
      code: "ERR_MISSING_OPTION",
      option: "auth",
      entry,
      problem: 'option "auth" is missing: pass a personal access token or a token source.',
    });
  }
  const retrySettings = checkRetryOptions(options.retry, entry);
  const zitadel = createZitadelInterceptor({
    auth: options.auth,
    orgId: options.orgId,
    baseUrl: options.baseUrl,
    allowInsecure: options.allowInsecure,
  });
  // The guard goes first: a call it refuses must not even fetch a token.
  const guard =
    protocol === "connect" && options.connectV1 !== true
      ? [createConnectV1Guard()]
      : protocol === "grpc-web" && options.useBinaryFormat === false
        ? [createGrpcWebJsonGuard()]
        : [];
  // Retries go around our interceptor: each attempt gets a valid token, and the errors they see have it redacted.
  const retry = retrySettings === undefined ? [] : [createRetryInterceptor(retrySettings)];
  // Outermost: a failure to connect, after any retries, is explained in one line (connection-failure.ts).
  const explain = createConnectionFailureInterceptor(options.baseUrl);
  return [explain, ...guard, ...retry, zitadel, ...(options.interceptors ?? [])];
}
