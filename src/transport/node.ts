import type { Transport } from "@connectrpc/connect";
import type { ConnectTransportOptions, GrpcTransportOptions, GrpcWebTransportOptions } from "@connectrpc/connect-node";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { RefusedOption } from "./option-table.js";
import { checkOptions, nodeOptionRows } from "./option-table.js";
import type { DistributiveOmit, FlatOptions, HttpVersionOptional, OwnOptionKey, ZitadelOwnOptions, ZitadelProtocol } from "./options.js";
import { checkProtocol, validateCommonOptions, zitadelProtocols } from "./options.js";
import { createRestTransport } from "./rest.js";
import { createRestNodeHttpClient } from "./rest-node-client.js";
import { ZitadelConfigError } from "../core/config-error.js";
import { parseBaseUrl } from "../core/base-url.js";
import { withDeadlines } from "./deadline.js";
import { withoutOwnOptions } from "./without-own-options.js";
import type { Http2ConnectionOptions, NodeHttp2ClientSessionManager } from "./keep-alive-session-manager.js";
import { checkConnectTimeoutMs, KeepAliveSessionManager, keepAliveSessionManager } from "./keep-alive-session-manager.js";
import { withCountedCalls } from "./counted-calls.js";

type Rows = typeof nodeOptionRows;

/** Our options for one protocol, without those the table refuses for it. */
type Own<P extends ZitadelProtocol> = Omit<ZitadelOwnOptions, "protocol" | RefusedOption<Rows, P>> & { protocol: P };

/** connect-node's options of a transport, without ours and without those the table refuses for protocol P. */
type FromConnect<T, P extends ZitadelProtocol> = HttpVersionOptional<WithConnectTimeout<DistributiveOmit<T, OwnOptionKey | RefusedOption<Rows, P>>>>;

interface ConnectTimeout {
  /**
   * How long a connect (TCP, and TLS for https://) may take: one not
   * complete by then fails Unavailable, and is retried as a connection
   * failure. Default 20 s; Infinity for none. Each call's deadline applies
   * too, whichever ends first. connect-node 2.3 has this option; ours takes
   * it on every connect-node version, since our session manager connects.
   */
  connectTimeoutMs?: number;
}

/** connectTimeoutMs on the HTTP/2 options of a transport (HTTP/1.1 connects through nodeOptions' agent). */
type WithConnectTimeout<T> = T extends { httpVersion: "1.1" } ? T : T & ConnectTimeout;

interface GrpcHttpVersion {
  /** gRPC runs on HTTP/2 only: "2" is what it does anyway, "1.1" is refused. */
  httpVersion?: "2";
}

interface RestFetch {
  /**
   * A fetch for protocol "rest" instead of Node's HTTP client, e.g. one with
   * an undici dispatcher; then the connection options (nodeOptions,
   * httpVersion, the HTTP/2 settings) cannot apply and are refused.
   */
  fetch?: typeof globalThis.fetch;
}

/** createZitadelTransport's options for protocol "grpc": connect-node's gRPC transport options and ours. */
export type ZitadelGrpcTransportOptions = Own<"grpc"> & GrpcHttpVersion & FromConnect<GrpcTransportOptions, "grpc">;

/** createZitadelTransport's options for protocol "grpc-web" (HTTP/1.1 unless httpVersion is "2"). */
export type ZitadelGrpcWebTransportOptions = Own<"grpc-web"> & FromConnect<GrpcWebTransportOptions, "grpc-web">;

/** createZitadelTransport's options for protocol "connect" (HTTP/1.1 unless httpVersion is "2"). */
export type ZitadelConnectTransportOptions = Own<"connect"> & FromConnect<ConnectTransportOptions, "connect">;

/**
 * createZitadelTransport's options for protocol "rest": JSON and size
 * options for our REST transport, and connect-node's connection options for
 * the HTTP client under it (HTTP/1.1 unless httpVersion is "2"); or a fetch.
 */
export type ZitadelRestTransportOptions = Own<"rest"> & RestFetch & FromConnect<GrpcWebTransportOptions, "rest">;

/**
 * The options of createZitadelTransport, for a protocol chosen at run time:
 * every option of every protocol. The option table refuses, naming it, any
 * option the chosen protocol cannot use.
 */
export type ZitadelTransportOptions = FlatOptions<
  ZitadelGrpcTransportOptions | ZitadelGrpcWebTransportOptions | ZitadelConnectTransportOptions | ZitadelRestTransportOptions
>;

interface OptionsByProtocol {
  grpc: ZitadelGrpcTransportOptions;
  "grpc-web": ZitadelGrpcWebTransportOptions;
  connect: ZitadelConnectTransportOptions;
  rest: ZitadelRestTransportOptions;
}

const entry = "createZitadelTransport";

/** Checks the options against the table's Node rows: afterwards they are the protocol's options. */
function checkFor<P extends ZitadelProtocol>(options: ZitadelTransportOptions, protocol: P): asserts options is ZitadelTransportOptions & OptionsByProtocol[P] {
  const { httpVersion } = options;
  if (httpVersion !== undefined && httpVersion !== "1.1" && httpVersion !== "2") {
    throw new ZitadelConfigError({ code: "ERR_INVALID_OPTION", option: "httpVersion", entry: entry, problem: `option "httpVersion" must be "1.1" or "2".` });
  }
  checkOptions(options, nodeOptionRows, { entry, protocol, defaultHttpVersion: protocol === "grpc" ? "2" : "1.1" });
  checkConnectTimeoutMs(Reflect.get(options, "connectTimeoutMs"), entry);
}

/**
 * A Connect transport to ZITADEL for Node: gRPC (HTTP/2), gRPC-web, the
 * Connect protocol (ZITADEL's v2 APIs; v1 only with `connectV1`, for an
 * emulator) or the REST gateway, with the bearer token and organization
 * header on every call. All of them run on connect-node's HTTP client, so
 * `nodeOptions` (e.g. `{ ca }` for a private certificate authority),
 * `httpVersion: "2"` and keep-alive work for each; an option the protocol
 * cannot use is refused, naming it.
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
  const protocol = checkProtocol(options, entry, zitadelProtocols);
  switch (protocol) {
    case "grpc": {
      checkFor(options, "grpc");
      const interceptors = validateCommonOptions(options, protocol, entry);
      const { defaultTimeoutMs, baseUrl, ...forConnect } = withoutOwnOptions(options, "fetch", "httpVersion");
      const sessionManager = http2SessionManager(baseUrl, forConnect);
      return finished(createGrpcTransport({ ...forConnect, baseUrl, interceptors, sessionManager }), baseUrl, defaultTimeoutMs, sessionManager);
    }
    case "grpc-web": {
      checkFor(options, "grpc-web");
      const interceptors = validateCommonOptions(options, protocol, entry);
      const { defaultTimeoutMs, baseUrl, ...forConnect } = withoutOwnOptions(options, "fetch");
      if (forConnect.httpVersion !== "2") {
        return finished(createGrpcWebTransport({ ...forConnect, baseUrl, interceptors, httpVersion: "1.1" }), baseUrl, defaultTimeoutMs);
      }
      const sessionManager = http2SessionManager(baseUrl, forConnect);
      return finished(
        createGrpcWebTransport({ ...forConnect, baseUrl, httpVersion: "2", sessionManager, interceptors }),
        baseUrl,
        defaultTimeoutMs,
        sessionManager,
      );
    }
    case "connect": {
      checkFor(options, "connect");
      const interceptors = validateCommonOptions(options, protocol, entry);
      const { defaultTimeoutMs, baseUrl, ...forConnect } = withoutOwnOptions(options, "fetch");
      if (forConnect.httpVersion !== "2") {
        return finished(createConnectTransport({ ...forConnect, baseUrl, interceptors, httpVersion: "1.1" }), baseUrl, defaultTimeoutMs);
      }
      const sessionManager = http2SessionManager(baseUrl, forConnect);
      return finished(
        createConnectTransport({ ...forConnect, baseUrl, httpVersion: "2", sessionManager, interceptors }),
        baseUrl,
        defaultTimeoutMs,
        sessionManager,
      );
    }
    case "rest": {
      checkFor(options, "rest");
      const interceptors = validateCommonOptions(options, protocol, entry);
      const { baseUrl, defaultTimeoutMs, jsonOptions, readMaxBytes, writeMaxBytes, fetch, ...connection } = withoutOwnOptions(
        options,
        "interceptors",
        "useBinaryFormat",
      );
      // With a fetch, the table has refused the connection options: the fetch does the connecting.
      if (fetch !== undefined || connection.httpVersion !== "2") {
        const httpClient = fetch === undefined ? createRestNodeHttpClient(baseUrl, connection) : undefined;
        return createRestTransport({ baseUrl, interceptors, defaultTimeoutMs, jsonOptions, readMaxBytes, writeMaxBytes, fetch, httpClient });
      }
      // Over HTTP/2 the connection is the guarded session manager, as for the other protocols.
      const sessionManager = http2SessionManager(baseUrl, connection);
      const httpClient = createRestNodeHttpClient(baseUrl, { ...connection, sessionManager });
      return countedBy(sessionManager, createRestTransport({ baseUrl, interceptors, defaultTimeoutMs, jsonOptions, readMaxBytes, writeMaxBytes, httpClient }));
    }
  }
}

/**
 * One of connect-node's transports as our factory hands it out: with our
 * deadlines, and, over HTTP/2, with its calls counted for the session
 * manager (outermost, so that a call ends for the manager when it ends for
 * the caller). REST has its deadlines built in and takes countedBy() alone.
 */
function finished(transport: Transport, baseUrl: string, defaultTimeoutMs: number | undefined, sessionManager?: NodeHttp2ClientSessionManager): Transport {
  const withOurDeadlines = withDeadlines(transport, normalized(baseUrl), defaultTimeoutMs);
  return sessionManager === undefined ? withOurDeadlines : countedBy(sessionManager, withOurDeadlines);
}

/**
 * The transport, counting its calls for the session manager when the manager
 * is ours, so that it gives up a connect no call waits for any more
 * (KeepAliveSessionManager.callStarted); a caller's own manager is left as it is.
 */
function countedBy(sessionManager: NodeHttp2ClientSessionManager, transport: Transport): Transport {
  return sessionManager instanceof KeepAliveSessionManager ? withCountedCalls(transport, sessionManager) : transport;
}

/**
 * The session manager of an HTTP/2 transport: the caller's `sessionManager`
 * as given (the caller's connection, the caller's keep-alive), or ours made
 * from the ping, idle and connect settings and nodeOptions, as connect-node
 * would make its own (keep-alive-session-manager.ts says why not
 * connect-node's). connect-node ignores those settings and nodeOptions once
 * it has a session manager; they are passed on anyway, unchanged.
 */
function http2SessionManager(baseUrl: string, options: Http2ConnectionOptions): NodeHttp2ClientSessionManager {
  return options.sessionManager ?? keepAliveSessionManager(baseUrl, options);
}

/** The base URL as checked (validateCommonOptions has refused a bad one), for the deadline message. */
function normalized(baseUrl: string): string {
  return parseBaseUrl(baseUrl, `${entry}: option "baseUrl"`, "baseUrl").normalized;
}
