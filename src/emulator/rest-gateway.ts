import type { DescField, DescMessage, DescMethod, DescService, JsonObject, JsonValue, Registry } from "@bufbuild/protobuf";
import { create, createRegistry, fromJson, getOption, hasOption, ScalarType, toJson } from "@bufbuild/protobuf";
import { anyPack, AnySchema } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import { Code, ConnectError, createHandlerContext } from "@connectrpc/connect";
import type { connectNodeAdapter } from "@connectrpc/connect-node";
import { http as httpRule } from "../../gen/google/api/annotations_pb.js";
import { ErrorDetailSchema } from "../../gen/zitadel/message_pb.js";
import { servicePrefix } from "../transport/service-prefix.js";

// The request and response types connect-node's handlers use (not exported by name).
type NodeHandler = ReturnType<typeof connectNodeAdapter>;
type NodeRequest = Parameters<NodeHandler>[0];
type NodeResponse = Parameters<NodeHandler>[1];
type UnaryImpl = (req: unknown, ctx: HandlerContext) => unknown;

/** One segment of a path template: literal text, or the field it binds. */
type Segment = { literal: string } | { field: DescField };

interface Route {
  verb: string;
  segments: Segment[];
  /** "*" for every unbound field, a field name, or "" for none. */
  body: string;
  service: DescService;
  method: DescMethod;
  impl: UnaryImpl;
}

/** grpc-gateway's mapping from gRPC codes to HTTP statuses (ZITADEL.md). */
const httpStatusOf: Record<Code, number> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

export interface RestGatewayOptions {
  /** The services to expose, with their implementations keyed by local method name. */
  services: { service: DescService; impl: object }[];
  /** Largest request body read; the message size limit is the services' concern. */
  readMaxBytes: number;
}

/**
 * ZITADEL's REST/JSON gateway: routes from the google.api.http annotations,
 * proto3 JSON in and out, google.rpc.Status error bodies. It only transcodes;
 * the same service implementations as the gRPC side do the work.
 */
export function createRestGateway(options: RestGatewayOptions): (req: NodeRequest, res: NodeResponse) => void {
  const routes = options.services.flatMap(({ service, impl }) => routesOf(service, impl as Record<string, UnaryImpl>));
  const registry = createRegistry(ErrorDetailSchema, ...options.services.map((s) => s.service));
  return (req, res) => {
    handle(req, res, routes, registry, options.readMaxBytes).catch((e: unknown) => {
      // Only a broken connection gets here; there is no one left to answer.
      if (!res.headersSent) writeStatus(res, ConnectError.from(e), registry);
    });
  };
}

function routesOf(service: DescService, impls: Record<string, UnaryImpl>): Route[] {
  // The same rule the REST client uses: zitadel.<x>.v1.* is mounted at /<x>/v1.
  const prefix = servicePrefix(service);
  return service.methods.flatMap((method) => {
    const impl = impls[method.localName];
    if (!impl || method.methodKind !== "unary" || !hasOption(method, httpRule)) return [];
    const rule = getOption(method, httpRule);
    if (rule.pattern.case === undefined || rule.pattern.case === "custom") return [];
    const template = prefix + rule.pattern.value;
    const segments: Segment[] = template
      .split("/")
      .slice(1)
      .map((part) => {
        const variable = /^\{(\w+)\}$/.exec(part);
        if (!variable) return { literal: part };
        const field = method.input.fields.find((f) => f.name === variable[1]);
        if (!field) throw new Error(`${method.name}: the path binds unknown field ${variable[1]}`);
        return { field };
      });
    return [{ verb: rule.pattern.case.toUpperCase(), segments, body: rule.body, service, method, impl }];
  });
}

/** Literal segments win over variables, so /_bulk and /_search beat /{key}. */
function matchRoute(routes: Route[], verb: string, parts: string[]) {
  let best: { route: Route; bound: Map<DescField, string>; literals: number } | undefined;
  let pathMatchedOtherVerb = false;
  for (const route of routes) {
    if (route.segments.length !== parts.length) continue;
    const bound = new Map<DescField, string>();
    let literals = 0;
    const ok = route.segments.every((segment, i) => {
      const part = parts[i]!;
      if ("literal" in segment) {
        literals++;
        return segment.literal === part;
      }
      bound.set(segment.field, part);
      return true;
    });
    if (!ok) continue;
    if (route.verb !== verb) {
      pathMatchedOtherVerb = true;
      continue;
    }
    if (!best || literals > best.literals) best = { route, bound, literals };
  }
  return { best, pathMatchedOtherVerb };
}

async function handle(req: NodeRequest, res: NodeResponse, routes: Route[], registry: Registry, readMaxBytes: number) {
  const url = new URL(req.url ?? "/", "http://emulator");
  const verb = (req.method ?? "GET").toUpperCase();
  // The raw path, not url.pathname: URL parsing would resolve "%2E%2E" segments, which are keys here.
  const rawPath = (req.url ?? "/").split("?")[0]!;
  const { best, pathMatchedOtherVerb } = matchRoute(routes, verb, rawPath.split("/").slice(1));
  if (!best) {
    req.resume();
    if (pathMatchedOtherVerb) return writeStatus(res, new ConnectError("Method Not Allowed", Code.Unimplemented), registry, 405);
    return writeStatus(res, new ConnectError("Not Found", Code.NotFound), registry, 404);
  }
  const { route, bound } = best;
  let request: unknown;
  try {
    const body = await readBody(req, readMaxBytes);
    request = decodeRequest(route, body, bound, url.searchParams, registry);
  } catch (e) {
    return writeStatus(res, ConnectError.from(e, Code.InvalidArgument), registry);
  }
  const abort = new AbortController();
  res.on("close", () => abort.abort(new ConnectError("the client went away", Code.Canceled)));
  const ctx = createHandlerContext({
    service: route.service,
    method: route.method,
    protocolName: "rest",
    requestMethod: verb,
    url: url.toString(),
    requestSignal: abort.signal,
    requestHeader: headersOf(req),
  });
  let response: unknown;
  try {
    response = await route.impl(request, ctx);
  } catch (e) {
    return writeStatus(res, ConnectError.from(e), registry);
  }
  const json = toJson(route.method.output, create(route.method.output, response as never), { registry });
  writeJson(res, 200, json);
}

function headersOf(req: NodeRequest): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

function readBody(req: NodeRequest, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new ConnectError(`grpc: received message larger than max (${size} vs. ${limit})`, Code.ResourceExhausted));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Body JSON, then query parameters, then path variables, as grpc-gateway fills a request. */
function decodeRequest(
  route: Route,
  body: Buffer,
  bound: Map<DescField, string>,
  query: URLSearchParams,
  registry: Registry,
): unknown {
  const schema = route.method.input;
  let json: JsonValue = {};
  const text = body.toString("utf8").trim();
  if (route.body !== "" && text !== "") {
    try {
      json = JSON.parse(text) as JsonValue;
    } catch (e) {
      throw new ConnectError(`invalid JSON in the request body: ${(e as Error).message}`, Code.InvalidArgument);
    }
    if (route.body !== "*") json = { [route.body]: json };
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      throw new ConnectError("the request body must be a JSON object", Code.InvalidArgument);
    }
  }
  const object = json as JsonObject;
  if (route.body !== "*") mergeQuery(schema, object, query, bound);
  for (const [field, raw] of bound) {
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      throw new ConnectError(`the path segment for "${field.name}" is not valid percent-encoding`, Code.InvalidArgument);
    }
    delete object[field.name];
    object[field.jsonName] = value;
  }
  try {
    return fromJson(schema, object, { registry, ignoreUnknownFields: true });
  } catch (e) {
    throw new ConnectError(`invalid request: ${(e as Error).message}`, Code.InvalidArgument);
  }
}

/** Query parameters name fields by JSON or proto name, nested with dots; repeated ones repeat. */
function mergeQuery(schema: DescMessage, target: JsonObject, query: URLSearchParams, bound: Map<DescField, string>) {
  for (const name of new Set(query.keys())) {
    let message: DescMessage | undefined = schema;
    let object = target;
    const path = name.split(".");
    path.forEach((part, i) => {
      const field: DescField | undefined = message?.fields.find((f) => f.jsonName === part || f.name === part);
      if (!field || bound.has(field)) {
        message = undefined;
        return;
      }
      if (i < path.length - 1) {
        message = field.fieldKind === "message" ? field.message : undefined;
        const next = object[field.jsonName];
        object = (object[field.jsonName] = next && typeof next === "object" && !Array.isArray(next) ? next : {}) as JsonObject;
        return;
      }
      const values = query.getAll(name);
      object[field.jsonName] = field.fieldKind === "list" ? values.map((v) => queryValue(field, v)) : queryValue(field, values[0]!);
    });
  }
}

/** Proto3 JSON takes numbers, enums and bytes as strings, but booleans only as booleans. */
function queryValue(field: DescField, value: string): JsonValue {
  const isBool =
    (field.fieldKind === "scalar" || (field.fieldKind === "list" && field.listKind === "scalar")) &&
    field.scalar === ScalarType.BOOL;
  return isBool && (value === "true" || value === "false") ? value === "true" : value;
}

function writeStatus(res: NodeResponse, err: ConnectError, registry: Registry, status?: number) {
  const details = err.details.flatMap((d): JsonValue[] => {
    const any =
      "desc" in d
        ? anyPack(d.desc, create(d.desc, d.value))
        : create(AnySchema, { typeUrl: `type.googleapis.com/${d.type}`, value: d.value });
    try {
      // "@type" first, as grpc-gateway writes it.
      const { "@type": type, ...fields } = toJson(AnySchema, any, { registry }) as JsonObject;
      return [{ "@type": type ?? null, ...fields }];
    } catch {
      return []; // a detail of a type the registry does not know cannot be written as JSON
    }
  });
  writeJson(res, status ?? httpStatusOf[err.code] ?? 500, { code: err.code, message: err.rawMessage, details });
}

function writeJson(res: NodeResponse, status: number, body: JsonValue) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
