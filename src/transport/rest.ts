// A Connect transport that speaks ZITADEL's REST/JSON gateway over an HTTP
// client (connect's UniversalClientFn), the way connect's own transports are
// built: on fetch by default (rest-fetch-client.ts), on connect-node's HTTP
// client when Node's createZitadelTransport builds it (rest-node-client.ts).
// It must stay browser-safe: nothing in its import graph may reach node:*.
import type {
  DescMessage,
  DescMethodStreaming,
  DescMethodUnary,
  JsonReadOptions,
  JsonValue,
  JsonWriteOptions,
  MessageInitShape,
  MessageShape,
  Registry,
} from "@bufbuild/protobuf";
import { create, createRegistry, fromJson } from "@bufbuild/protobuf";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import type { ContextValues, Interceptor, StreamResponse, Transport, UnaryResponse } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { UniversalClientFn, UniversalClientResponse } from "@connectrpc/connect/protocol";
import { createAsyncIterable, runUnaryCall } from "@connectrpc/connect/protocol";
import { ErrorDetailSchema } from "../../gen/zitadel/message_pb.js";
import { redact } from "../core/conceal.js";
import { checkTimeoutMs, parseBaseUrl } from "../core/base-url.js";
import { httpStatusKey } from "../zitadel/errors.js";
import type { RestRequest } from "../http-rule/transcode.js";
import { parseRestResponse, transcode } from "../http-rule/transcode.js";
import { collectBytes, createFetchHttpClient } from "./rest-fetch-client.js";
import { runWithDeadline } from "./deadline.js";
import { servicePrefix } from "./service-prefix.js";
import { ZitadelConfigError } from "../core/config-error.js";

/** The options of the REST (JSON gateway) transport: ZITADEL's instance, credentials, and the HTTP client to send through. */
export interface RestTransportOptions {
  /**
   * The ZITADEL instance, e.g. "https://acme.zitadel.cloud". The service
   * prefix (/management/v1, /auth/v1) is added per call; a path here (a
   * reverse proxy's sub-path) is kept in front of it.
   */
  baseUrl: string;
  /**
   * Interceptors for every call. This transport adds no credentials itself:
   * put `createZitadelInterceptor({ auth, orgId })` here, or use
   * `createZitadelTransport({ protocol: "rest", … })`, which does.
   */
  interceptors?: Interceptor[];
  /** A fetch implementation; defaults to the global one (Node 20 and browsers). */
  fetch?: typeof globalThis.fetch;
  /**
   * The HTTP client instead of fetch, e.g. one of connect-node's
   * (`createNodeHttpClient`) for a private CA, HTTP/2 or an agent of your
   * own. Node's `createZitadelTransport({ protocol: "rest" })` passes
   * connect-node's for you. Not together with `fetch` or `credentials`.
   */
  httpClient?: UniversalClientFn;
  /**
   * Deadline for calls that set none themselves, in milliseconds. Default
   * 30000 (30 s); 0 or Infinity for no deadline. A call's own `timeoutMs`
   * wins (0 or Infinity there: none for that call).
   */
  defaultTimeoutMs?: number;
  /**
   * Proto3 JSON options. Write options shape request bodies and query
   * strings; read options default to `ignoreUnknownFields: true`, because a
   * newer ZITADEL may add response fields. `registry` also decodes error
   * details; zitadel.v1.ErrorDetail is always known.
   */
  jsonOptions?: Partial<JsonReadOptions & JsonWriteOptions>;
  /**
   * Path prefixes by service type name, for services the default rule gets
   * wrong. By default `zitadel.<x>.v1.*` is served under `/<x>/v1` and any
   * other service under the root.
   *
   * @example { "zitadel.management.v1.ManagementService": "/management/v1" }
   */
  servicePrefixes?: Readonly<Record<string, string>>;
  /** Fetch's credentials mode (browsers); the fetch default applies when unset. */
  credentials?: RequestCredentials;
  /** The largest response body to read, in bytes (default and maximum 4294967295, as connect's). */
  readMaxBytes?: number;
  /** The largest request body to send, in bytes (default and maximum 4294967295, as connect's). */
  writeMaxBytes?: number;
}

/**
 * A Connect transport for ZITADEL's REST gateway: each unary call becomes the
 * HTTP request its google.api.http annotation describes, and each error body
 * (google.rpc.Status JSON) becomes a ConnectError with the same code and
 * ErrorDetail a gRPC call would give. Interceptors, deadlines and abort
 * signals work as on the other transports.
 *
 * @example
 * const transport = createRestTransport({
 *   baseUrl: "https://acme.zitadel.cloud",
 *   interceptors: [createZitadelInterceptor({ auth: accessToken(token) })],
 * });
 */
export function createRestTransport(options: RestTransportOptions): Transport {
  const { baseUrl, httpClient, readMaxBytes, writeMaxBytes } = validateRestOptions(options);
  // Copied now, so that changing the options object later cannot change a transport in use.
  const interceptors = [...(options.interceptors ?? [])];
  const { defaultTimeoutMs } = options;
  const servicePrefixes = { ...options.servicePrefixes };
  const jsonOptions = options.jsonOptions ?? {};
  const registry: Registry = jsonOptions.registry === undefined ? createRegistry(ErrorDetailSchema) : createRegistry(ErrorDetailSchema, jsonOptions.registry);
  const writeOptions: Partial<JsonWriteOptions> = {
    alwaysEmitImplicit: jsonOptions.alwaysEmitImplicit,
    enumAsInteger: jsonOptions.enumAsInteger,
    useProtoFieldName: jsonOptions.useProtoFieldName,
    registry,
  };
  const readOptions: Partial<JsonReadOptions> = {
    ignoreUnknownFields: jsonOptions.ignoreUnknownFields ?? true,
    registry,
  };
  const plan = (method: DescMethodUnary, message: Parameters<typeof transcode>[1]) =>
    transcode(method, message, { servicePrefix: (service) => servicePrefix(service, servicePrefixes), jsonOptions: writeOptions });

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      let message: MessageShape<I>;
      let planned: RestRequest;
      try {
        message = create(method.input, input);
        // Planned before the interceptors run, so that they see the real URL.
        planned = plan(method, message);
      } catch (e) {
        // A rejection with a ConnectError, as on the other transports.
        throw ConnectError.from(e);
      }
      const requestHeader = new Headers(header);
      requestHeader.set("accept", "application/json");
      if (planned.body !== undefined) requestHeader.set("content-type", "application/json");
      const call = {
        perCallTimeoutMs: timeoutMs,
        defaultTimeoutMs,
        contextValues,
        rpc: `${method.parent.typeName}/${method.name}`,
        url: urlOf(baseUrl, planned),
      };
      return runWithDeadline(call, (effectiveTimeoutMs, callContextValues) =>
        runUnaryCall<I, O>({
          interceptors,
          signal,
          timeoutMs: effectiveTimeoutMs <= 0 ? undefined : effectiveTimeoutMs,
          req: {
            stream: false,
            service: method.parent,
            method,
            requestMethod: planned.method,
            url: call.url,
            header: requestHeader,
            contextValues: callContextValues,
            message,
          },
          next: async (req) => {
            // An interceptor that swapped the message gets a request built from its message.
            const replanned = req.message === message ? undefined : plan(method, req.message);
            const request = replanned ?? planned;
            const url = replanned === undefined ? req.url : urlOf(baseUrl, replanned);
            const httpMethod = replanned === undefined ? req.requestMethod : replanned.method;
            if (request.body !== undefined && !req.header.has("content-type")) req.header.set("content-type", "application/json");
            const where = pathOf(url);
            const body = request.body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(request.body));
            if (body !== undefined && body.byteLength > writeMaxBytes) {
              throw new ConnectError(
                `REST call ${httpMethod} ${where}: the request body of ${body.byteLength} bytes exceeds writeMaxBytes (${writeMaxBytes})`,
                Code.ResourceExhausted,
              );
            }
            const unavailable = (e: unknown) => {
              const origin = new URL(url).origin;
              return new ConnectError(
                redactor(req.header)(`REST call ${httpMethod} ${where} got no complete response from ${origin}: ${describeFailure(e)}`),
                Code.Unavailable,
                undefined,
                undefined,
                e,
              );
            };
            let response: UniversalClientResponse;
            let read: Uint8Array | undefined;
            try {
              response = await httpClient({
                url,
                method: httpMethod,
                header: req.header,
                body: body === undefined ? undefined : createAsyncIterable([body]),
                signal: req.signal,
              });
              read = await collectBytes(response.body, readMaxBytes);
            } catch (e) {
              // Deadline and cancellation: runUnaryCall turns the signal's reason into the error.
              if (req.signal.aborted) throw e;
              throw unavailable(e);
            }
            if (read === undefined) {
              throw new ConnectError(`REST call ${httpMethod} ${where}: the response body exceeds readMaxBytes (${readMaxBytes})`, Code.ResourceExhausted);
            }
            // As lenient as fetch's Response.text(): malformed UTF-8 becomes U+FFFD, a leading BOM is dropped.
            const text = new TextDecoder().decode(read);
            const responseHeader = new Headers(response.header);
            const output = decodeResponse(method, response.status, responseHeader, text, {
              where,
              redact: redactor(req.header),
              readOptions,
            });
            return { stream: false, service: method.parent, method, header: responseHeader, message: output, trailer: new Headers() };
          },
        }),
      );
    },

    async stream<I extends DescMessage, O extends DescMessage>(method: DescMethodStreaming<I, O>): Promise<StreamResponse<I, O>> {
      throw new ConnectError(
        `${method.parent.typeName}.${method.name} is a streaming RPC; the REST transport calls unary RPCs only. Use protocol "grpc", "grpc-web" or "connect" for it.`,
        Code.Unimplemented,
      );
    },
  };
}

interface ResponseContext {
  /** The request path, for messages. */
  where: string;
  redact: (text: string) => string;
  readOptions: Partial<JsonReadOptions>;
}

/**
 * The output message of a 2xx JSON response; otherwise the ConnectError the
 * response stands for. Status 0 is a browser's opaque redirect (fetch with
 * redirect: "manual").
 */
function decodeResponse<O extends DescMessage>(
  method: DescMethodUnary<DescMessage, O>,
  status: number,
  metadata: Headers,
  text: string,
  { where, redact, readOptions }: ResponseContext,
): UnaryResponse<DescMessage, O>["message"] {
  const fail = (message: string, code: Code, cause?: unknown) => withHttpStatus(new ConnectError(redact(message), code, metadata, undefined, cause), status);
  if (status === 0 || (status >= 300 && status < 400)) {
    const location = metadata.get("location");
    throw fail(
      `HTTP ${status || "redirect"} from ${where}${location ? ` to ${location}` : ""}: API calls do not follow redirects. Set baseUrl to the address ZITADEL answers on itself.`,
      Code.Unknown,
    );
  }
  if (status < 200 || status > 299) throw withHttpStatus(errorFromResponse(status, metadata, text, where, redact, readOptions), status);
  let json: JsonValue;
  try {
    json = status === 204 && text === "" ? {} : (JSON.parse(text) as JsonValue);
  } catch {
    const type = metadata.get("content-type");
    throw fail(
      `HTTP ${status} from ${where} is not JSON${type ? ` (content-type ${type})` : ""}; expected ZITADEL's REST gateway. Check that baseUrl points at the ZITADEL instance.`,
      Code.Internal,
    );
  }
  try {
    return parseRestResponse(method, json, readOptions);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw fail(`the JSON response from ${where} is not a valid ${method.output.typeName}: ${reason}`, Code.Internal, e);
  }
}

/** Records the HTTP status for ZitadelError.httpStatus; an opaque redirect (status 0) has none. */
function withHttpStatus(error: ConnectError, status: number): ConnectError {
  if (status > 0) Object.defineProperty(error, httpStatusKey, { value: status, enumerable: false });
  return error;
}

/** connect's limit for readMaxBytes and writeMaxBytes, and their default. */
const maxBytesLimit = 0xffffffff;

function validateRestOptions(options: RestTransportOptions): {
  baseUrl: string;
  httpClient: UniversalClientFn;
  readMaxBytes: number;
  writeMaxBytes: number;
} {
  if (options === null || typeof options !== "object") {
    throw new ZitadelConfigError({ code: "ERR_INVALID_OPTION", entry: "createRestTransport", problem: "expected an options object such as { baseUrl }." });
  }
  const { normalized: baseUrl } = parseBaseUrl(options.baseUrl, 'createRestTransport: option "baseUrl"', "baseUrl");
  if (options.httpClient !== undefined) {
    if (typeof options.httpClient !== "function") {
      throw new ZitadelConfigError({
        code: "ERR_INVALID_OPTION",
        option: "httpClient",
        entry: "createRestTransport",
        problem: 'option "httpClient" must be a function like connect\'s UniversalClientFn.',
      });
    }
    for (const name of ["fetch", "credentials"] as const) {
      if (options[name] !== undefined) {
        throw new ZitadelConfigError({
          code: "ERR_OPTION_NOT_APPLICABLE",
          option: name,
          entry: "createRestTransport",
          problem: `option "${name}" cannot apply together with option "httpClient", which makes the requests; drop one of the two.`,
        });
      }
    }
  }
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "fetch",
      entry: "createRestTransport",
      problem: 'option "fetch" must be a function like globalThis.fetch.',
    });
  }
  if (options.httpClient === undefined && options.fetch === undefined && typeof globalThis.fetch !== "function") {
    throw new ZitadelConfigError({
      code: "ERR_MISSING_OPTION",
      option: "fetch",
      entry: "createRestTransport",
      problem: 'there is no global fetch here; pass one as option "fetch".',
    });
  }
  if (options.credentials !== undefined && !["omit", "same-origin", "include"].includes(options.credentials)) {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "credentials",
      entry: "createRestTransport",
      problem: 'option "credentials" must be "omit", "same-origin" or "include".',
    });
  }
  checkTimeoutMs(options.defaultTimeoutMs, 'createRestTransport: option "defaultTimeoutMs"', "defaultTimeoutMs");
  const readMaxBytes = checkMaxBytes(options.readMaxBytes, "readMaxBytes");
  const writeMaxBytes = checkMaxBytes(options.writeMaxBytes, "writeMaxBytes");
  for (const [service, prefix] of Object.entries(options.servicePrefixes ?? {})) {
    if (typeof prefix !== "string" || (prefix !== "" && (!prefix.startsWith("/") || prefix.endsWith("/")))) {
      throw new ZitadelConfigError({
        code: "ERR_INVALID_OPTION",
        option: "servicePrefixes",
        entry: "createRestTransport",
        problem: `option "servicePrefixes" for ${service} must be "" or a path like "/management/v1" (leading /, no trailing /).`,
      });
    }
  }
  const httpClient = options.httpClient ?? createFetchHttpClient({ fetch: options.fetch, credentials: options.credentials });
  return { baseUrl, httpClient, readMaxBytes, writeMaxBytes };
}

function checkMaxBytes(value: unknown, name: "readMaxBytes" | "writeMaxBytes"): number {
  if (value === undefined) return maxBytesLimit;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > maxBytesLimit) {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: name,
      entry: "createRestTransport",
      problem: `option "${name}" must be a whole number of bytes from 1 to ${maxBytesLimit}, got ${String(value)}.`,
    });
  }
  return value;
}

function urlOf(baseUrl: string, request: RestRequest): string {
  const query = request.query.toString();
  return `${baseUrl}${request.path}${query === "" ? "" : `?${query}`}`;
}

/** The URL's path alone: error messages name the route, never a query string or the host's credentials. */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split("?")[0] ?? url;
  }
}

/**
 * What went wrong, in a few words: fetch's TypeError ("fetch failed") with
 * its cause's code, or the text of connect-node's ConnectError ("connect
 * ECONNREFUSED 127.0.0.1:8080", "self-signed certificate") with the Node
 * error code where the text lacks it.
 */
function describeFailure(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const message = e instanceof ConnectError ? e.rawMessage : e.message;
  const cause = e.cause;
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined;
  const causeMessage = cause instanceof Error ? cause.message : undefined;
  const detail = code ?? causeMessage;
  return detail === undefined || message.includes(detail) ? message : `${message}: ${detail}`;
}

/**
 * Removes the bearer token from text we put into an error, in case a proxy
 * echoes request headers in its error page.
 */
function redactor(header: Headers): (text: string) => string {
  const authorization = header.get("authorization") ?? "";
  const secrets = [authorization, authorization.replace(/^\S+\s+/, "")];
  return (text) => redact(text, secrets);
}

/**
 * The ConnectError for a non-2xx response. ZITADEL's gateway sends a
 * google.rpc.Status as JSON, whose code, message and details are taken as
 * they are; anything else (a proxy's HTML page, a plain-text 404) gets a
 * code from the HTTP status and a message naming the status and the route.
 */
function errorFromResponse(
  httpStatus: number,
  metadata: Headers,
  text: string,
  where: string,
  redact: (text: string) => string,
  readOptions: Partial<JsonReadOptions>,
): ConnectError {
  const status = parseStatus(text);
  if (status !== undefined) {
    const error = new ConnectError(redact(status.message), status.code, metadata);
    error.details.push(...decodeDetails(status.details, readOptions));
    return error;
  }
  const reason = reasonPhrases[httpStatus] ?? "";
  const hint =
    httpStatus === 404 ? ": no such route. Check that baseUrl is the ZITADEL instance itself (the /management/v1 or /auth/v1 prefix is added for you)" : "";
  const snippet = bodySnippet(text, metadata.get("content-type"));
  const quoted = snippet === undefined ? "" : ` (body: "${redact(snippet)}")`;
  return new ConnectError(`HTTP ${httpStatus}${reason ? ` ${reason}` : ""} from ${where}${hint}${quoted}`, codeFromHttpStatus(httpStatus), metadata);
}

interface StatusJson {
  code: Code;
  message: string;
  details: JsonValue[];
}

function parseStatus(text: string): StatusJson | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const { code, message, details } = json as { code?: unknown; message?: unknown; details?: unknown };
  // 0 is OK, which no error can be; such a body says nothing about the failure.
  if (typeof code !== "number" || !Number.isInteger(code) || code < 1 || code > 16) return undefined;
  return {
    code: code as Code,
    message: typeof message === "string" ? message : "",
    details: Array.isArray(details) ? (details as JsonValue[]) : [],
  };
}

/**
 * Turns the `details` of a Status (google.protobuf.Any in JSON form) into
 * the shape the gRPC transports produce, so `findDetails()` works the same.
 * A detail whose type the registry does not know cannot be turned into
 * bytes and is left out; add its schema to `jsonOptions.registry` to keep it.
 */
/** The shape in which ConnectError keeps details read from the wire. */
interface IncomingDetail {
  type: string;
  value: Uint8Array;
  debug: JsonValue;
}

function decodeDetails(details: JsonValue[], readOptions: Partial<JsonReadOptions>): IncomingDetail[] {
  const decoded: IncomingDetail[] = [];
  for (const detail of details) {
    try {
      const any = fromJson(AnySchema, detail, { ...readOptions, ignoreUnknownFields: true });
      const type = any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1);
      if (type !== "") decoded.push({ type, value: any.value, debug: detail });
    } catch {
      // Unknown type or malformed entry: the error's code and message still stand.
    }
  }
  return decoded;
}

/**
 * The code for an HTTP status without a Status body: the inverse of
 * grpc-gateway's mapping where it is one-to-one. A bare 404 means no such
 * route (a wrong baseUrl or a proxy), not a missing resource, because
 * ZITADEL always says NotFound with a Status body; hence Unimplemented, as
 * in the Connect protocol. A 502 is a proxy that could not reach ZITADEL:
 * Unavailable, i.e. worth a retry.
 */
function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.InvalidArgument;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
    case 405:
    case 501:
      return Code.Unimplemented;
    case 408:
    case 504:
      return Code.DeadlineExceeded;
    case 409:
      return Code.Aborted;
    case 429:
      return Code.ResourceExhausted;
    case 499:
      return Code.Canceled;
    case 500:
      return Code.Internal;
    case 502:
    case 503:
      return Code.Unavailable;
    default:
      return Code.Unknown;
  }
}

// The reason phrases of the statuses a gateway or proxy sends (an HTTP client
// gives the status only, and HTTP/2 has no reason phrase anyway).
const reasonPhrases: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  429: "Too Many Requests",
  499: "Client Closed Request",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * A hint at what answered instead of ZITADEL: a page title, or the start
 * of a short text; never a whole body, which may be large or echo input.
 */
function bodySnippet(text: string, contentType: string | null): string | undefined {
  const type = (contentType ?? "").toLowerCase();
  let snippet: string;
  if (type.includes("html") || /^\s*<(!doctype|html)/i.test(text)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text);
    if (title?.[1] === undefined) return undefined;
    snippet = title[1];
  } else if (type === "" || type.startsWith("text/") || type.includes("json")) {
    snippet = text;
  } else {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  snippet = snippet.replace(/[\u0000-\u001f\u007f\s]+/g, " ").trim();
  if (snippet === "") return undefined;
  return snippet.length > 100 ? `${snippet.slice(0, 100)}…` : snippet;
}
