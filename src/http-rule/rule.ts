// google.api.http rules (google/api/http.proto), compiled once per method:
// the verb, the path template with its variables, and the body fields. The
// client fills requests from them (transcode.ts), the emulator's gateway
// matches paths with them (route-table.ts).
import type { DescField, DescMessage, DescMethod } from "@bufbuild/protobuf";
import { getOption, hasOption } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { http } from "../../gen/google/api/annotations_pb.js";

/** The HTTP verbs a google.api.http rule can name. */
export type RestHttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface PatternSegment {
  kind: "literal" | "*" | "**";
  /** The literal text; empty for wildcards. */
  text: string;
}

export interface Variable {
  kind: "variable";
  /** The field path from the request message to a singular scalar or enum field. */
  fields: DescField[];
  /** What the value must look like; `[*]` for a plain `{field}`. */
  pattern: PatternSegment[];
  /** As written in the template, e.g. "name=projects/*", for error messages. */
  source: string;
}

export type TemplateSegment = PatternSegment | Variable;

export interface PathTemplate {
  source: string;
  segments: TemplateSegment[];
  /** The custom verb after the last segment (":cancel"), without the colon. */
  verb: string | undefined;
}

export interface CompiledRule {
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

export function compiledRule(method: DescMethod): CompiledRule {
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
  const pattern =
    eq < 0
      ? [{ kind: "*", text: "" } as const]
      : inner
          .slice(eq + 1)
          .split("/")
          .map((s) => parsePatternSegment(s, bad));
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

function isVerb(verb: string): verb is RestHttpMethod {
  return (verbs as readonly string[]).includes(verb);
}

export function rpcName(method: DescMethod): string {
  return `${method.parent.typeName}.${method.name}`;
}

export function unimplemented(message: string): ConnectError {
  return new ConnectError(message, Code.Unimplemented);
}

function badRule(method: DescMethod, problem: string): ConnectError {
  return unimplemented(`the google.api.http rule of ${rpcName(method)} cannot be used: ${problem}.`);
}
