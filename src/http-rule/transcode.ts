// Maps an RPC and its request message to the HTTP request ZITADEL's REST
// gateway (grpc-gateway) expects, following the method's google.api.http
// rule. Pure: no I/O, and the caller's message is never modified.
import { segmentProblem } from "./gateway-path.js";
import type {
  DescField,
  DescMessage,
  DescMethod,
  DescService,
  JsonObject,
  JsonReadOptions,
  JsonValue,
  JsonWriteOptions,
  Message,
  MessageShape,
} from "@bufbuild/protobuf";
import { fromJson, toJson } from "@bufbuild/protobuf";
import type { ReflectMessage } from "@bufbuild/protobuf/reflect";
import { reflect } from "@bufbuild/protobuf/reflect";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";
import type { CompiledRule, PathTemplate, RestHttpMethod, Variable } from "./rule.js";
import { compiledRule, rpcName, unimplemented } from "./rule.js";

export type { RestHttpMethod } from "./rule.js";

/** One RPC call as an HTTP request, before the base URL is put in front of `path`. */
export interface RestRequest {
  method: RestHttpMethod;
  /** Service prefix plus the filled path template, percent-encoded, e.g. "/management/v1/metadata/100%25". */
  path: string;
  /** Empty unless the rule has no body (or a body field): then the other set fields go here. */
  query: URLSearchParams;
  /** The JSON body, or undefined when the rule sends none. */
  body: JsonValue | undefined;
}

export interface TranscodeOptions {
  /**
   * The path prefix under which the gateway mounts a service (e.g.
   * "/management/v1"); default none. Which prefix a ZITADEL service has is a
   * fact of its API version, so the caller supplies it.
   */
  servicePrefix?: (service: DescService) => string;
  /** How the request message becomes JSON; `useProtoFieldName` also applies to query parameter names. */
  jsonOptions?: Partial<JsonWriteOptions>;
}

/**
 * The HTTP request for one call of `method` with `message`. Throws a
 * ConnectError when the RPC has no REST route (Unimplemented) or when this
 * particular request cannot be expressed as a URL (InvalidArgument), so that
 * nothing is sent that the gateway would route to a different RPC.
 */
export function transcode(method: DescMethod, message: Message, options: TranscodeOptions = {}): RestRequest {
  if (message.$typeName !== method.input.typeName) {
    throw new TypeError(`transcode: ${rpcName(method)} takes ${method.input.typeName}, got ${message.$typeName}.`);
  }
  const rule = compiledRule(method);
  const prefix = options.servicePrefix?.(method.parent) ?? "";
  const filled = fillTemplate(rule, reflect(method.input, message));
  const path = prefix + filled.path;
  rejectShadowedRoute(method, rule, filled.segments, prefix + rule.template.source, path);

  const jsonOptions = options.jsonOptions ?? {};
  let json: JsonValue;
  try {
    json = toJson(method.input, message, jsonOptions);
  } catch (e) {
    // E.g. a google.protobuf.Any whose type the registry lacks.
    const reason = e instanceof Error ? e.message : String(e);
    throw invalid(`${rpcName(method)}: the request cannot be written as JSON: ${reason}. Add the missing types to jsonOptions.registry.`);
  }
  if (!isJsonObject(json)) {
    // Only well-known types have non-object JSON, and no RPC takes one as its request.
    if (rule.body === "*" && rule.variables.length === 0) return { method: rule.verb, path, query: new URLSearchParams(), body: json };
    throw unimplemented(
      `${rpcName(method)}: its request ${method.input.typeName} has no JSON object form, so its fields cannot be split over path, query and body.`,
    );
  }
  const keyOf = (f: DescField) => (jsonOptions.useProtoFieldName ? f.name : f.jsonName);
  for (const variable of rule.variables) deleteJsonPath(json, variable.fields.map(keyOf));

  if (rule.body === "*") return { method: rule.verb, path, query: new URLSearchParams(), body: json };

  let body: JsonValue | undefined;
  if (rule.bodyField !== undefined) {
    const key = keyOf(rule.bodyField);
    // The gateway always reads a body for such a rule, so an unset field is sent as its zero value.
    body = json[key] ?? zeroJson(method.input, message, rule.bodyField, jsonOptions);
    delete json[key];
  }
  const query = new URLSearchParams();
  appendQuery(query, method.input, json, "", keyOf, method);
  return { method: rule.verb, path, query, body };
}

/**
 * Reads a successful response body: the whole output message, or only the
 * field named by the rule's `response_body`.
 */
export function parseRestResponse<O extends DescMessage>(
  method: DescMethod & { output: O },
  json: JsonValue,
  options?: Partial<JsonReadOptions>,
): MessageShape<O> {
  const rule = compiledRule(method);
  const whole = rule.responseField === undefined ? json : { [rule.responseField.jsonName]: json };
  return fromJson(method.output, whole, options);
}

// ---------------------------------------------------------------------------
// Filling the path

interface ConcreteSegment {
  /** The segment before percent-encoding. */
  text: string;
  /** Set when the text came from a request field (and says which). */
  variable: Variable | undefined;
}

function fillTemplate(rule: CompiledRule, message: ReflectMessage): { path: string; segments: ConcreteSegment[] } {
  const segments: ConcreteSegment[] = [];
  for (const seg of rule.template.segments) {
    if (seg.kind === "literal") {
      segments.push({ text: seg.text, variable: undefined });
    } else if (seg.kind === "variable") {
      const value = readPathValue(message, seg.fields);
      for (const text of splitByPattern(value, seg, message.desc)) segments.push({ text, variable: seg });
    } else {
      throw unimplemented(`${message.desc.typeName}: the path "${rule.template.source}" has a ${seg.kind} outside {…}, which a client cannot fill.`);
    }
  }
  rejectUnroutable(segments, rule.template.verb, message.desc);
  const path = segments.map((s) => (s.variable === undefined ? s.text : encodeSegment(s.text))).join("/");
  const verb = rule.template.verb === undefined ? "" : `:${rule.template.verb}`;
  return { path: `/${path}${verb}`, segments };
}

function readPathValue(message: ReflectMessage, fields: DescField[]): string {
  let current: ReflectMessage = message;
  for (const field of fields.slice(0, -1)) {
    if (field.fieldKind !== "message") break;
    current = current.get(field);
  }
  const leaf = fields[fields.length - 1]!;
  const value: unknown = current.get(leaf);
  if (leaf.fieldKind === "enum" && typeof value === "number") return leaf.enum.value[value]?.name ?? String(value);
  // Standard base64 may hold "/", which the gateway would split at; it also accepts the URL-safe
  // alphabet (with padding) for bytes in a path, so that is what goes there.
  if (value instanceof Uint8Array) return base64Encode(value, "std").replaceAll("+", "-").replaceAll("/", "_");
  return String(value);
}

/**
 * Refuses a value that would not reach the gateway as the segment it was
 * sent as: ZITADEL decodes and cleans the path before routing (see
 * gateway-path.ts), so a "/" in a value, a "." or ".." segment, or an empty
 * segment inside the path would be routed elsewhere, redirected or not
 * found. With a custom verb the last segment ends in ":verb", so it is no
 * dot segment, but grpc-gateway finds no route when nothing comes before
 * the colon.
 */
function rejectUnroutable(segments: ConcreteSegment[], verb: string | undefined, input: DescMessage): void {
  segments.forEach((s, i) => {
    if (s.variable === undefined) return;
    const last = i === segments.length - 1;
    const text = last && verb !== undefined ? `${s.text}:${verb}` : s.text;
    const problem =
      last && verb !== undefined && s.text === ""
        ? `the last segment would be only ":${verb}", which ZITADEL's gateway does not route (HTTP 404)`
        : segmentProblem(text, last);
    if (problem !== undefined) {
      throw invalid(
        `${fieldName(input, s.variable)} ${quoted(s.text)} cannot be sent over REST: ${problem}. Use protocol "grpc" or "grpc-web" for this value.`,
      );
    }
  });
}

/** A `{field=a/*}` value spans several segments; it must fit the pattern the server routes on. */
function splitByPattern(value: string, variable: Variable, input: DescMessage): string[] {
  if (variable.pattern.length === 1 && variable.pattern[0]!.kind === "*") return [value];
  const parts = value.split("/");
  const fits = variable.pattern.every((p, i) => {
    if (p.kind === "**") return true;
    const part = parts[i];
    if (part === undefined) return false;
    return p.kind === "literal" ? part === p.text : part !== "";
  });
  const last = variable.pattern[variable.pattern.length - 1]!;
  if (!fits || (last.kind !== "**" && parts.length !== variable.pattern.length)) {
    const pattern = variable.source.slice(variable.source.indexOf("=") + 1);
    throw invalid(`${fieldName(input, variable)} must look like "${pattern}" to fill the REST path; got ${quoted(value)}.`);
  }
  return parts;
}

/**
 * Percent-encodes one path segment: every byte of its UTF-8 form except
 * A–Z a–z 0–9 - . _ ~, as google.api.http prescribes for a single-segment
 * variable. Lone surrogates become U+FFFD, as in the binary encoding.
 */
function encodeSegment(text: string): string {
  let out = "";
  for (const byte of utf8.encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

const utf8 = new TextEncoder();

/**
 * Refuses a request whose filled path is also the literal route of another
 * RPC of the service with the same verb: the gateway prefers literal
 * segments, so `SetUserMetadata` with key "_search" would run
 * `ListUserMetadata` and appear to succeed without writing anything.
 */
function rejectShadowedRoute(method: DescMethod, rule: CompiledRule, segments: ConcreteSegment[], template: string, path: string): void {
  if (!segments.some((s) => s.variable !== undefined)) return;
  for (const other of method.parent.methods) {
    if (other === method) continue;
    let otherRule: CompiledRule;
    try {
      otherRule = compiledRule(other);
    } catch {
      continue; // no route of its own (its own calls report why), so it cannot take ours
    }
    if (otherRule.verb !== rule.verb || otherRule.template.verb !== rule.template.verb) continue;
    const shadowed = shadowingSegment(otherRule.template, segments);
    if (shadowed !== undefined) {
      throw invalid(
        `${fieldName(method.input, shadowed.variable!)} ${quoted(shadowed.text)} cannot be sent over REST: ${rule.verb} ${path} is the route of ${other.name}, not of ${method.name} (${template}). Use protocol "grpc" or "grpc-web" for this value.`,
      );
    }
  }
}

/** The segment of ours that `other` matches with a literal, when `other` matches the whole path. */
function shadowingSegment(other: PathTemplate, segments: ConcreteSegment[]): ConcreteSegment | undefined {
  const pattern = other.segments.flatMap((s) => (s.kind === "variable" ? s.pattern : [s]));
  let shadowed: ConcreteSegment | undefined;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.kind === "**") return shadowed;
    const seg = segments[i];
    if (seg === undefined) return undefined;
    if (p.kind === "literal") {
      if (seg.text !== p.text) return undefined;
      if (seg.variable !== undefined) shadowed ??= seg;
    }
  }
  return pattern.length === segments.length ? shadowed : undefined;
}

// ---------------------------------------------------------------------------
// Body and query

function deleteJsonPath(json: JsonObject, keys: string[]): void {
  const [first, ...rest] = keys;
  if (first === undefined) return;
  if (rest.length === 0) {
    delete json[first];
    return;
  }
  const child = json[first];
  if (isJsonObject(child)) deleteJsonPath(child, rest);
}

function zeroJson(input: DescMessage, message: Message, field: DescField, options: Partial<JsonWriteOptions>): JsonValue {
  if (field.fieldKind === "message" || field.fieldKind === "map") return {};
  if (field.fieldKind === "list") return [];
  const all = toJson(input, message, { ...options, alwaysEmitImplicit: true });
  const key = options.useProtoFieldName ? field.name : field.jsonName;
  return (isJsonObject(all) ? all[key] : undefined) ?? null;
}

// Well-known types whose JSON form is a single string, number or boolean.
const scalarJsonTypes = new Set(
  [
    "Timestamp",
    "Duration",
    "FieldMask",
    "DoubleValue",
    "FloatValue",
    "Int64Value",
    "UInt64Value",
    "Int32Value",
    "UInt32Value",
    "BoolValue",
    "StringValue",
    "BytesValue",
  ].map((n) => `google.protobuf.${n}`),
);

// Well-known types whose JSON form is shaped by the data, not by fields.
const freeFormJsonTypes = new Set(["Any", "Struct", "Value", "ListValue"].map((n) => `google.protobuf.${n}`));

/**
 * The query-string rules of google.api.http (as grpc-gateway reads them):
 * scalars as `name=value` in their proto3 JSON form (int64 as decimal,
 * bytes as base64, enums by name), repeated scalars as repeated parameters,
 * singular messages as dotted paths (`query.offset=1`). Repeated messages,
 * maps and free-form JSON types have no query form.
 */
function appendQuery(query: URLSearchParams, desc: DescMessage, json: JsonObject, prefix: string, keyOf: (f: DescField) => string, method: DescMethod): void {
  for (const field of desc.fields) {
    const key = keyOf(field);
    const value = json[key];
    if (value === undefined) continue;
    const name = prefix + key;
    const noQueryForm = (what: string) =>
      invalid(
        `${rpcName(method)}: field "${name}" is ${what}, which the REST mapping (${compiledRule(method).verb} without a body) cannot put in a query string. Leave it unset, or use protocol "grpc" or "grpc-web".`,
      );
    switch (field.fieldKind) {
      case "scalar":
      case "enum":
        appendScalar(query, name, value);
        break;
      case "list":
        if (field.listKind === "message" && !scalarJsonTypes.has(field.message.typeName)) throw noQueryForm("a repeated message");
        if (Array.isArray(value)) for (const item of value) appendScalar(query, name, item);
        break;
      case "map":
        throw noQueryForm("a map");
      case "message":
        if (scalarJsonTypes.has(field.message.typeName)) appendScalar(query, name, value);
        else if (freeFormJsonTypes.has(field.message.typeName) || !isJsonObject(value)) {
          throw noQueryForm(`a ${field.message.typeName}`);
        } else appendQuery(query, field.message, value, `${name}.`, keyOf, method);
        break;
    }
  }
}

function appendScalar(query: URLSearchParams, name: string, value: JsonValue): void {
  // null is google.protobuf.NullValue, the only JSON null a field has; absent means the same.
  if (value === null) return;
  query.append(name, typeof value === "object" ? JSON.stringify(value) : String(value));
}

// ---------------------------------------------------------------------------
// Small helpers

function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fieldName(input: DescMessage, variable: Variable): string {
  return `${input.name}.${variable.fields.map((f) => f.name).join(".")}`;
}

/** A request value for an error message: in quotes, cut after 100 characters. */
function quoted(value: string): string {
  const chars = [...value];
  return `"${chars.length > 100 ? `${chars.slice(0, 100).join("")}…` : value}"`;
}

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}
