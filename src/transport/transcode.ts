// Maps an RPC and its request message to the HTTP request ZITADEL's REST
// gateway (grpc-gateway) expects, following the method's google.api.http
// rule. Pure: no I/O, and the caller's message is never modified.
import { segmentProblem } from "../http-rule/gateway-path.js";
import { restPrefixOf } from "../zitadel/versions.js";
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
import { fromJson, getOption, hasOption, toJson } from "@bufbuild/protobuf";
import type { ReflectMessage } from "@bufbuild/protobuf/reflect";
import { reflect } from "@bufbuild/protobuf/reflect";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";
import { http } from "../../gen/google/api/annotations_pb.js";

/** The HTTP verbs a google.api.http rule can name. */
export type RestHttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

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
   * Path prefixes by service type name; they win over the derived ones.
   * By default `zitadel.<x>.v1.*` services live under `/<x>/v1` and every
   * other service under the root (v2 annotations carry their full path).
   */
  servicePrefixes?: Readonly<Record<string, string>>;
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
  const prefix = servicePrefix(method.parent, options.servicePrefixes);
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
// Rules and path templates

interface PatternSegment {
  kind: "literal" | "*" | "**";
  /** The literal text; empty for wildcards. */
  text: string;
}

interface Variable {
  kind: "variable";
  /** The field path from the request message to a singular scalar or enum field. */
  fields: DescField[];
  /** What the value must look like; `[*]` for a plain `{field}`. */
  pattern: PatternSegment[];
  /** As written in the template, e.g. "name=projects/*", for error messages. */
  source: string;
}

type TemplateSegment = PatternSegment | Variable;

interface PathTemplate {
  source: string;
  segments: TemplateSegment[];
  /** The custom verb after the last segment (":cancel"), without the colon. */
  verb: string | undefined;
}

interface CompiledRule {
  verb: RestHttpMethod;
  template: PathTemplate;
  variables: Variable[];
  body: string;
  bodyField: DescField | undefined;
  responseField: DescField | undefined;
}

const verbs: readonly RestHttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

// Descriptors are immutable, so a rule is parsed once per method; a rule
// that cannot be used is remembered too, because every call of a sibling
// RPC looks at it (see rejectShadowedRoute).
const compiled = new WeakMap<DescMethod, CompiledRule | ConnectError>();

function compiledRule(method: DescMethod): CompiledRule {
  let rule = compiled.get(method);
  if (rule === undefined) {
    try {
      rule = compileRule(method);
    } catch (e) {
      if (!(e instanceof ConnectError)) throw e;
      rule = e;
    }
    compiled.set(method, rule);
  }
  // A fresh error per throw: callers may annotate theirs, and a shared one would carry a stale stack.
  if (rule instanceof ConnectError) throw new ConnectError(rule.rawMessage, rule.code);
  return rule;
}

function compileRule(method: DescMethod): CompiledRule {
  if (method.methodKind !== "unary") {
    throw unimplemented(
      `${rpcName(method)} is a ${method.methodKind.replace("_", "-")} RPC; the REST transport calls unary RPCs only. Use protocol "grpc" or "grpc-web" for it.`,
    );
  }
  if (!hasOption(method, http)) {
    throw unimplemented(
      `${rpcName(method)} has no google.api.http annotation, so ZITADEL's REST gateway has no route for it. Use protocol "grpc" or "grpc-web" for it.`,
    );
  }
  const rule = getOption(method, http);
  let verb: string;
  let source: string;
  switch (rule.pattern.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      verb = rule.pattern.case.toUpperCase();
      source = rule.pattern.value;
      break;
    case "custom":
      verb = rule.pattern.value.kind.toUpperCase();
      source = rule.pattern.value.path;
      break;
    default:
      throw badRule(method, "it names no HTTP verb and path");
  }
  if (!isVerb(verb)) throw badRule(method, `the HTTP verb "${verb}" is not one of ${verbs.join(", ")}`);
  const template = parseTemplate(source, method);
  const variables = template.segments.filter((s): s is Variable => s.kind === "variable");
  const seen = new Set<string>();
  for (const v of variables) {
    const key = v.fields.map((f) => f.name).join(".");
    if (seen.has(key)) throw badRule(method, `the path binds "${key}" twice`);
    seen.add(key);
  }
  let bodyField: DescField | undefined;
  if (rule.body !== "" && rule.body !== "*") {
    bodyField = method.input.fields.find((f) => f.name === rule.body);
    if (bodyField === undefined) throw badRule(method, `body "${rule.body}" is not a field of ${method.input.typeName}`);
  }
  let responseField: DescField | undefined;
  if (rule.responseBody !== "") {
    responseField = method.output.fields.find((f) => f.name === rule.responseBody);
    if (responseField === undefined) {
      throw badRule(method, `response_body "${rule.responseBody}" is not a field of ${method.output.typeName}`);
    }
  }
  return { verb, template, variables, body: rule.body, bodyField, responseField };
}

/**
 * Parses the template grammar of google/api/http.proto:
 * `"/" Segment { "/" Segment } [ ":" Verb ]`, where a Segment is a literal,
 * `*`, `**` or `{field.path}` / `{field.path=Segments}`.
 */
function parseTemplate(source: string, method: DescMethod): PathTemplate {
  const bad = (problem: string) => badRule(method, `path "${source}": ${problem}`);
  if (!source.startsWith("/")) throw bad("it must start with /");
  // A custom verb follows the last segment; a colon inside {…} or an earlier segment is not one.
  const tail = Math.max(source.lastIndexOf("/"), source.lastIndexOf("}"));
  const colon = source.indexOf(":", tail);
  const verb = colon < 0 ? undefined : source.slice(colon + 1);
  const path = colon < 0 ? source : source.slice(0, colon);
  if (verb !== undefined && !/^[A-Za-z0-9_.~-]+$/.test(verb)) throw bad(`the verb ":${verb}" is not a plain word`);

  const segments: TemplateSegment[] = [];
  let i = 1;
  for (;;) {
    if (path[i] === "{") {
      const end = path.indexOf("}", i);
      if (end < 0) throw bad("a { has no closing }");
      segments.push(parseVariable(path.slice(i + 1, end), method, bad));
      i = end + 1;
    } else {
      const end = path.indexOf("/", i) < 0 ? path.length : path.indexOf("/", i);
      segments.push(parsePatternSegment(path.slice(i, end), bad));
      i = end;
    }
    if (i === path.length) break;
    if (path[i] !== "/") throw bad(`expected / after a variable at position ${i}`);
    i++;
  }
  const flat = segments.flatMap((s) => (s.kind === "variable" ? s.pattern : [s]));
  if (flat.slice(0, -1).some((s) => s.kind === "**")) throw bad("** may only be the last segment");
  return { source, segments, verb };
}

function parsePatternSegment(text: string, bad: (problem: string) => Error): PatternSegment {
  if (text === "") throw bad("it has an empty segment");
  if (text === "*" || text === "**") return { kind: text, text: "" };
  if (/[{}*=]/.test(text)) throw bad(`"${text}" is not a valid literal segment`);
  return { kind: "literal", text };
}

function parseVariable(inner: string, method: DescMethod, bad: (problem: string) => Error): Variable {
  const eq = inner.indexOf("=");
  const fieldPath = eq < 0 ? inner : inner.slice(0, eq);
  const pattern = eq < 0 ? [{ kind: "*", text: "" } as const] : inner.slice(eq + 1).split("/").map((s) => parsePatternSegment(s, bad));
  const fields: DescField[] = [];
  let message: DescMessage | undefined = method.input;
  for (const name of fieldPath.split(".")) {
    if (message === undefined) throw bad(`{${fieldPath}}: only the last part of a field path may be a scalar`);
    const field: DescField | undefined = message.fields.find((f) => f.name === name);
    if (field === undefined) throw bad(`{${fieldPath}}: ${message.typeName} has no field "${name}"`);
    fields.push(field);
    message = field.fieldKind === "message" ? field.message : undefined;
  }
  const last = fields[fields.length - 1];
  if (last === undefined || (last.fieldKind !== "scalar" && last.fieldKind !== "enum")) {
    throw bad(`{${fieldPath}} must name a singular scalar or enum field`);
  }
  return { kind: "variable", fields, pattern, source: inner };
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
      throw unimplemented(
        `${message.desc.typeName}: the path "${rule.template.source}" has a ${seg.kind} outside {…}, which a client cannot fill.`,
      );
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
function appendQuery(
  query: URLSearchParams,
  desc: DescMessage,
  json: JsonObject,
  prefix: string,
  keyOf: (f: DescField) => string,
  method: DescMethod,
): void {
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

function isVerb(verb: string): verb is RestHttpMethod {
  return (verbs as readonly string[]).includes(verb);
}

function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function rpcName(method: DescMethod): string {
  return `${method.parent.typeName}.${method.name}`;
}

function fieldName(input: DescMessage, variable: Variable): string {
  return `${input.name}.${variable.fields.map((f) => f.name).join(".")}`;
}

/** A request value for an error message: in quotes, cut after 100 characters. */
function quoted(value: string): string {
  const chars = [...value];
  return `"${chars.length > 100 ? `${chars.slice(0, 100).join("")}…` : value}"`;
}

function unimplemented(message: string): ConnectError {
  return new ConnectError(message, Code.Unimplemented);
}

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

function badRule(method: DescMethod, problem: string): ConnectError {
  return unimplemented(`the google.api.http rule of ${rpcName(method)} cannot be used: ${problem}.`);
}

/** The path prefix of a service: an override by type name, else ZITADEL's REST mount for it. */
export function servicePrefix(service: DescService, overrides?: Readonly<Record<string, string>>): string {
  return overrides?.[service.typeName] ?? restPrefixOf(service.typeName);
}
