// A Connect transport that speaks ZITADEL's REST/JSON gateway over fetch.
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
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import { runUnaryCall } from "@connectrpc/connect/protocol";
import { ErrorDetailSchema } from "../../gen/zitadel/message_pb.js";
import { redact } from "../core/conceal.js";
import { checkTimeoutMs, parseBaseUrl } from "../core/base-url.js";
import { httpStatusKey } from "../zitadel/errors.js";
import type { RestRequest } from "../http-rule/transcode.js";
import { parseRestResponse, transcode } from "../http-rule/transcode.js";
import { servicePrefix } from "./service-prefix.js";

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
  /** Deadline for calls that set none themselves, in milliseconds. */
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
  const { baseUrl, fetchFn } = validateRestOptions(options);
  // Copied now, so that changing the options object later cannot change a transport in use.
  const interceptors = [...(options.interceptors ?? [])];
  const { defaultTimeoutMs, credentials } = options;
  const servicePrefixes = { ...options.servicePrefixes };
  const jsonOptions = options.jsonOptions ?? {};
  const registry: Registry =
    jsonOptions.registry === undefined ? createRegistry(ErrorDetailSchema) : createRegistry(ErrorDetailSchema, jsonOptions.registry);
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
      return runUnaryCall<I, O>({
        interceptors,
        signal,
        timeoutMs: timeoutMs === undefined ? defaultTimeoutMs : timeoutMs <= 0 ? undefined : timeoutMs,
        req: {
          stream: false,
          service: method.parent,
          method,
          requestMethod: planned.method,
          url: urlOf(baseUrl, planned),
          header: requestHeader,
          contextValues: contextValues ?? createContextValues(),
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
          let response: Response;
          let text: string;
          try {
            response = await fetchFn(url, {
              method: httpMethod,
              headers: req.header,
              body: request.body === undefined ? undefined : JSON.stringify(request.body),
              signal: req.signal,
              // A followed redirect would replay the call elsewhere (and turn a POST into a GET); report it instead.
              redirect: "manual",
              ...(credentials === undefined ? {} : { credentials }),
            });
            text = await response.text();
          } catch (e) {
            // Deadline and cancellation: runUnaryCall turns the signal's reason into the error.
            if (req.signal.aborted) throw e;
            const origin = new URL(url).origin;
            throw new ConnectError(
              redactor(req.header)(`REST call ${httpMethod} ${where} got no complete response from ${origin}: ${describeFailure(e)}`),
              Code.Unavailable,
              undefined,
              undefined,
              e,
            );
          }
          const responseHeader = new Headers(response.headers);
          const output = decodeResponse(method, response, responseHeader, text, {
            where,
            redact: redactor(req.header),
            readOptions,
          });
          return { stream: false, service: method.parent, method, header: responseHeader, message: output, trailer: new Headers() };
        },
      });
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

/** The output message of a 2xx JSON response; otherwise the ConnectError the response stands for. */
function decodeResponse<O extends DescMessage>(
  method: DescMethodUnary<DescMessage, O>,
  response: Response,
  metadata: Headers,
  text: string,
  { where, redact, readOptions }: ResponseContext,
): UnaryResponse<DescMessage, O>["message"] {
  const fail = (message: string, code: Code, cause?: unknown) =>
    withHttpStatus(new ConnectError(redact(message), code, metadata, undefined, cause), response.status);
  if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
    const location = response.headers.get("location");
    throw fail(
      `HTTP ${response.status || "redirect"} from ${where}${location ? ` to ${location}` : ""}: API calls do not follow redirects. Set baseUrl to the address ZITADEL answers on itself.`,
      Code.Unknown,
    );
  }
  if (!response.ok) throw withHttpStatus(errorFromResponse(response, metadata, text, where, redact, readOptions), response.status);
  let json: JsonValue;
  try {
    json = response.status === 204 && text === "" ? {} : (JSON.parse(text) as JsonValue);
  } catch {
    const type = response.headers.get("content-type");
    throw fail(
      `HTTP ${response.status} from ${where} is not JSON${type ? ` (content-type ${type})` : ""}; expected ZITADEL's REST gateway. Check that baseUrl points at the ZITADEL instance.`,
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

function validateRestOptions(options: RestTransportOptions): {
  baseUrl: string;
  fetchFn: (url: string, init: RequestInit) => Promise<Response>;
} {
  if (options === null || typeof options !== "object") {
    throw new TypeError("createRestTransport: expected an options object such as { baseUrl }.");
  }
  const { normalized: baseUrl } = parseBaseUrl(options.baseUrl, 'createRestTransport: option "baseUrl"', "baseUrl");
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw new TypeError('createRestTransport: option "fetch" must be a function like globalThis.fetch.');
  }
  if (options.fetch === undefined && typeof globalThis.fetch !== "function") {
    throw new TypeError('createRestTransport: there is no global fetch here; pass one as option "fetch".');
  }
  checkTimeoutMs(options.defaultTimeoutMs, 'createRestTransport: option "defaultTimeoutMs"', "defaultTimeoutMs");
  for (const [service, prefix] of Object.entries(options.servicePrefixes ?? {})) {
    if (typeof prefix !== "string" || (prefix !== "" && (!prefix.startsWith("/") || prefix.endsWith("/")))) {
      throw new TypeError(
        `createRestTransport: option "servicePrefixes" for ${service} must be "" or a path like "/management/v1" (leading /, no trailing /).`,
      );
    }
  }
  // The global fetch is looked up per call (so a polyfill or test stub installed later is used)
  // and called as a plain function: browsers reject it when `this` is not the global object.
  const fetchFn = options.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init));
  return { baseUrl, fetchFn };
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

function describeFailure(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause;
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined;
  const causeMessage = cause instanceof Error ? cause.message : undefined;
  return [e.message, code ?? causeMessage].filter(Boolean).join(": ");
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
  response: Response,
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
  const reason = response.statusText || reasonPhrases[response.status] || "";
  const hint =
    response.status === 404
      ? ": no such route. Check that baseUrl is the ZITADEL instance itself (the /management/v1 or /auth/v1 prefix is added for you)"
      : "";
  const snippet = bodySnippet(text, response.headers.get("content-type"));
  const quoted = snippet === undefined ? "" : ` (body: "${redact(snippet)}")`;
  return new ConnectError(
    `HTTP ${response.status}${reason ? ` ${reason}` : ""} from ${where}${hint}${quoted}`,
    codeFromHttpStatus(response.status),
    metadata,
  );
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

// HTTP/2 has no reason phrase, so fetch's statusText is often empty.
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
