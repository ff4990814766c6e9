import type { DescField, DescMessage, DescMethod, DescService, JsonObject, JsonValue, Registry } from "@bufbuild/protobuf";
import { create, createRegistry, fromJson, getOption, hasOption, ScalarType, toJson } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { Code, ConnectError, createHandlerContext } from "@connectrpc/connect";
import { http as httpRule } from "../../gen/google/api/annotations_pb.js";
import { ErrorDetailSchema } from "../../gen/zitadel/message_pb.js";
import type { RouteSpec, RouteTable } from "../http-rule/route-table.js";
import { createRouteTable } from "../http-rule/route-table.js";
import { restPrefixOf } from "../zitadel/versions.js";
import { admitRequest } from "./http-front.js";
import { jsonBodyText } from "./json-body-text.js";
import type { NodeRequest, NodeResponse } from "./node-http-types.js";
import { writeJson, writeStatus } from "./rest-response.js";
import { requestHeaders } from "./request-headers.js";
import { strictUtf8Text } from "./strict-utf8.js";

type UnaryImpl = (req: unknown, ctx: HandlerContext) => unknown;

/** What a route leads to: the service implementation of one RPC. */
interface Route {
  service: DescService;
  method: DescMethod;
  impl: UnaryImpl;
  /** "*" for every unbound field, a field name, or "" for none. */
  body: string;
}

export interface RestGatewayOptions {
  /** The services to expose, with their implementations keyed by local method name. */
  services: { service: DescService; impl: object }[];
  /** Largest request body read; the message size limit is the services' concern. */
  readMaxBytes: number;
}

/**
 * ZITADEL's REST/JSON gateway: routes from the google.api.http annotations,
 * proto3 JSON in and out, google.rpc.Status error bodies. It only transcodes;
 * the same service implementations as the gRPC side do the work. In front
 * of it, as in ZITADEL, the path is percent-decoded as a whole and cleaned
 * (http-front.ts); routes are matched on the decoded segments, so "%2F"
 * splits a segment and "%5Fbulk" is the literal "_bulk".
 */
export function createRestGateway(options: RestGatewayOptions): (req: NodeRequest, res: NodeResponse) => void {
  const routes = createRouteTable(
    options.services.flatMap(({ service, impl }) => routesOf(service, impl as Record<string, UnaryImpl>)),
    // Decoded paths are byte strings (Go's paths are bytes): compare literals the same way.
    { literal: (text) => Buffer.from(text, "utf8").toString("latin1") },
  );
  const registry = createRegistry(ErrorDetailSchema, ...options.services.map((s) => s.service));
  return (req, res) => {
    handle(req, res, routes, registry, options.readMaxBytes).catch((e: unknown) => {
      // Only a broken connection gets here; there is no one left to answer.
      if (!res.headersSent) writeStatus(res, ConnectError.from(e), registry);
    });
  };
}

function routesOf(service: DescService, impls: Record<string, UnaryImpl>): RouteSpec<Route>[] {
  // The same rules and prefixes the REST client uses.
  const prefix = restPrefixOf(service.typeName);
  return service.methods.flatMap((method) => {
    const impl = impls[method.localName];
    if (!impl || method.methodKind !== "unary" || !hasOption(method, httpRule)) return [];
    return [{ method, prefix, target: { service, method, impl, body: getOption(method, httpRule).body } }];
  });
}

async function handle(req: NodeRequest, res: NodeResponse, routes: RouteTable<Route>, registry: Registry, readMaxBytes: number) {
  const target = admitRequest(req, res);
  if (target === undefined) return;
  const verb = (req.method ?? "GET").toUpperCase();
  // grpc-gateway's default (legacy) unescaping: the decoded path, split at "/", nothing decoded twice.
  const { found, otherVerb } = routes.match(verb, target.path.split("/").slice(1));
  if (!found) {
    req.resume();
    if (otherVerb) return writeStatus(res, new ConnectError("Method Not Allowed", Code.Unimplemented), registry, 405);
    return writeStatus(res, new ConnectError("Not Found", Code.NotFound), registry, 404);
  }
  const { target: route, bound } = found;
  const query = new URLSearchParams(target.rawQuery ?? "");
  let request: unknown;
  try {
    const body = await readBody(req, readMaxBytes);
    request = decodeRequest(route, body, bound, query, registry);
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
    url: new URL(req.url ?? "/", "http://emulator").toString(),
    requestSignal: abort.signal,
    requestHeader: requestHeaders(req),
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

/**
 * Body JSON, then query parameters, then path variables, as grpc-gateway
 * fills a request. Path variables arrive as byte strings: a string field
 * whose bytes are not UTF-8 cannot be sent on to the gRPC server, whose
 * client-side marshalling in ZITADEL's gateway fails with Internal.
 */
function decodeRequest(route: Route, body: Buffer, bound: Map<DescField, string>, query: URLSearchParams, registry: Registry): unknown {
  const schema = route.method.input;
  let json: JsonValue = {};
  // Rules without a body never read one, whatever it holds.
  const text = route.body === "" ? "" : jsonBodyText(body);
  if (text !== "") {
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
  const notUtf8: DescField[] = [];
  for (const [field, bytes] of bound) {
    const value = utf8Text(bytes);
    if (value === undefined && field.fieldKind === "scalar" && field.scalar === ScalarType.STRING) notUtf8.push(field);
    delete object[field.name];
    object[field.jsonName] = value ?? Buffer.from(bytes, "latin1").toString("utf8");
  }
  let request: unknown;
  try {
    request = fromJson(schema, object, { registry, ignoreUnknownFields: true });
  } catch (e) {
    throw new ConnectError(`invalid request: ${(e as Error).message}`, Code.InvalidArgument);
  }
  const [field] = notUtf8;
  if (field !== undefined) {
    throw new ConnectError(`grpc: error while marshaling: proto: field ${field.parent.typeName}.${field.name} contains invalid UTF-8`, Code.Internal);
  }
  return request;
}

/** A byte string as text, or undefined when its bytes are not UTF-8. */
function utf8Text(bytes: string): string | undefined {
  return strictUtf8Text(Buffer.from(bytes, "latin1"));
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
  const isBool = (field.fieldKind === "scalar" || (field.fieldKind === "list" && field.listKind === "scalar")) && field.scalar === ScalarType.BOOL;
  return isBool && (value === "true" || value === "false") ? value === "true" : value;
}
