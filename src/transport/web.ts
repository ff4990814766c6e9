import type { Transport } from "@connectrpc/connect";
import type { ConnectTransportOptions, GrpcWebTransportOptions } from "@connectrpc/connect-web";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import type { RefusedOption } from "./option-table.js";
import { checkOptions, webOptionRows } from "./option-table.js";
import type { FlatOptions, OwnOptionKey, SharedConnectOptions, ZitadelOwnOptions, ZitadelProtocol } from "./options.js";
import { checkProtocol, validateCommonOptions } from "./options.js";
import { createRestTransport } from "./rest.js";
import { ZitadelConfigError } from "../core/config-error.js";
import { parseBaseUrl } from "../core/base-url.js";
import { withDeadlines } from "./deadline.js";
import { withoutOwnOptions } from "./without-own-options.js";

type WebProtocol = Exclude<ZitadelProtocol, "grpc">;
type Rows = typeof webOptionRows;

/** Our options for one protocol, without those the table refuses for it. */
type Own<P extends WebProtocol> = Omit<ZitadelOwnOptions, "protocol" | RefusedOption<Rows, P>> & { protocol: P };

interface Credentials {
  /** Fetch's credentials mode ("omit", "same-origin", "include"); the fetch default ("same-origin") when unset. */
  credentials?: RequestCredentials;
}

/** The options for gRPC-web in browsers: connect-web's gRPC-web transport options, ours, and `credentials`. */
export type WebZitadelGrpcWebTransportOptions = Own<"grpc-web"> & Credentials & Omit<GrpcWebTransportOptions, OwnOptionKey | RefusedOption<Rows, "grpc-web">>;

/** The options for the Connect protocol in browsers: connect-web's Connect transport options, ours, and `credentials`. */
export type WebZitadelConnectTransportOptions = Own<"connect"> & Credentials & Omit<ConnectTransportOptions, OwnOptionKey | RefusedOption<Rows, "connect">>;

/** The options for REST in browsers: connect-web's JSON, fetch and deadline options, ours, and `credentials`. */
export type WebZitadelRestTransportOptions = Own<"rest"> & Credentials & Omit<GrpcWebTransportOptions, OwnOptionKey | RefusedOption<Rows, "rest">>;

/**
 * The options of the browser's createZitadelTransport, for a protocol chosen
 * at run time. Browsers cannot speak plain gRPC: "grpc-web" and "rest" reach
 * every ZITADEL, "connect" its v2 APIs (v1 only with `connectV1`, for an
 * emulator started with connectV1). The option table refuses, naming it, any
 * option the chosen protocol cannot use.
 */
export type WebZitadelTransportOptions = FlatOptions<WebZitadelGrpcWebTransportOptions | WebZitadelConnectTransportOptions | WebZitadelRestTransportOptions>;

/** Options of the one-protocol factories: the same, without `protocol`. */
export type WebZitadelProtocolTransportOptions = Omit<WebZitadelTransportOptions, "protocol">;

const webProtocols: readonly WebProtocol[] = ["grpc-web", "connect", "rest"];

// SharedConnectOptions (options.ts) spells out connect-web's gRPC-web options
// without `fetch` and ours, so that the Node entry's types need no
// connect-web. This line stops compiling when the two differ in a name or a type.
type ConnectWebShared = Omit<GrpcWebTransportOptions, OwnOptionKey | "fetch">;
type SameType<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sharedOptionsMatchConnectWeb: SameType<ConnectWebShared, SharedConnectOptions> & SameType<keyof ConnectWebShared, keyof SharedConnectOptions> = true;
void sharedOptionsMatchConnectWeb;

/**
 * A Connect transport to ZITADEL for browsers (fetch-based): gRPC-web, the
 * Connect protocol or the REST gateway, with the bearer token and
 * organization header on every call. It picks the protocol at run time, so a
 * bundle keeps all three; the one-protocol factories below keep only theirs.
 */
export function createZitadelTransport(options: WebZitadelTransportOptions): Transport {
  const entry = "createZitadelTransport";
  const requested: unknown = options !== null && typeof options === "object" ? Reflect.get(options, "protocol") : undefined;
  if (requested === "grpc") {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      entry: entry,
      problem: `browsers cannot speak gRPC over HTTP/2; use protocol "grpc-web" or "rest".`,
    });
  }
  switch (checkProtocol(options, entry, webProtocols)) {
    case "grpc-web":
      return grpcWeb(options, entry);
    case "connect":
      return connect(options, entry);
    case "rest":
      return rest(options, entry);
  }
}

/** createZitadelTransport for gRPC-web only: the smallest bundle (see the README's bundle sizes). */
export function createZitadelGrpcWebTransport(options: Omit<WebZitadelGrpcWebTransportOptions, "protocol">): Transport {
  return grpcWeb(options, "createZitadelGrpcWebTransport");
}

/**
 * createZitadelTransport for the Connect protocol only: ZITADEL's v2 APIs. Its
 * v1 calls fail before sending unless `connectV1: true` (only for an emulator
 * started with connectV1).
 */
export function createZitadelConnectTransport(options: Omit<WebZitadelConnectTransportOptions, "protocol">): Transport {
  return connect(options, "createZitadelConnectTransport");
}

/** createZitadelTransport for ZITADEL's REST gateway only. */
export function createZitadelRestTransport(options: Omit<WebZitadelRestTransportOptions, "protocol">): Transport {
  return rest(options, "createZitadelRestTransport");
}

type WithoutProtocol<T> = Omit<T, "protocol"> & { protocol?: unknown };

/** Checks the options against the table's browser rows: afterwards they are the protocol's options. */
function checkFor<P extends WebProtocol, T>(
  options: WithoutProtocol<WebZitadelTransportOptions>,
  protocol: P,
  entry: string,
): asserts options is WithoutProtocol<WebZitadelTransportOptions> & Omit<T, "protocol"> {
  if (options === null || typeof options !== "object") {
    throw new ZitadelConfigError({ code: "ERR_INVALID_OPTION", entry: entry, problem: `expected an options object such as { baseUrl, auth }.` });
  }
  checkOptions(options, webOptionRows, { entry, protocol });
  const { credentials } = options;
  if (credentials !== undefined && credentials !== "omit" && credentials !== "same-origin" && credentials !== "include") {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "credentials",
      entry: entry,
      problem: `option "credentials" must be "omit", "same-origin" or "include".`,
    });
  }
}

function grpcWeb(options: WithoutProtocol<WebZitadelTransportOptions>, entry: string): Transport {
  checkFor<"grpc-web", WebZitadelGrpcWebTransportOptions>(options, "grpc-web", entry);
  const interceptors = validateCommonOptions(options, "grpc-web", entry);
  const { credentials, fetch, baseUrl, defaultTimeoutMs, ...forConnect } = withoutOwnOptions(options);
  const transport = createGrpcWebTransport({ ...forConnect, baseUrl, interceptors, fetch: withCredentials(fetch, credentials) });
  return withDeadlines(transport, parseBaseUrl(baseUrl, entry, "baseUrl").normalized, defaultTimeoutMs);
}

function connect(options: WithoutProtocol<WebZitadelTransportOptions>, entry: string): Transport {
  checkFor<"connect", WebZitadelConnectTransportOptions>(options, "connect", entry);
  const interceptors = validateCommonOptions(options, "connect", entry);
  const { credentials, fetch, baseUrl, defaultTimeoutMs, ...forConnect } = withoutOwnOptions(options);
  const transport = createConnectTransport({ ...forConnect, baseUrl, interceptors, fetch: withCredentials(fetch, credentials) });
  return withDeadlines(transport, parseBaseUrl(baseUrl, entry, "baseUrl").normalized, defaultTimeoutMs);
}

function rest(options: WithoutProtocol<WebZitadelTransportOptions>, entry: string): Transport {
  checkFor<"rest", WebZitadelRestTransportOptions>(options, "rest", entry);
  const interceptors = validateCommonOptions(options, "rest", entry);
  const { baseUrl, defaultTimeoutMs, jsonOptions, fetch, credentials } = options;
  return createRestTransport({ baseUrl, interceptors, defaultTimeoutMs, jsonOptions, fetch, credentials });
}

/**
 * connect-web has no credentials option; its docs suggest a fetch that sets
 * it. This is that fetch: the given one (or the global one, looked up per
 * call) with the credentials mode added to every request.
 */
function withCredentials(fetchFn: typeof globalThis.fetch | undefined, credentials: RequestCredentials | undefined): typeof globalThis.fetch | undefined {
  if (credentials === undefined) return fetchFn;
  return (input, init) => (fetchFn ?? globalThis.fetch)(input, { ...init, credentials });
}
