// Reads a method's google.api.http option from the descriptors themselves
// (the extension as the request's files declare it), so the reference shows
// the REST mapping the gateway and our transcoder use, not a copy of it.
import { getOption, hasOption } from "@bufbuild/protobuf";
import type { DescExtension, DescMethod, Registry } from "@bufbuild/protobuf";

/** One HTTP binding of an RPC: the verb and path template, and which request field is the body. */
export interface HttpBinding {
  /** GET, POST, PUT, PATCH, DELETE, or a custom rule's own verb. */
  readonly verb: string;
  /** The path template as annotated, e.g. "/users/{id}/metadata/{key}". */
  readonly path: string;
  /** "*" (the whole request), a field name, or "" (no body: the rest of the request travels in the query string). */
  readonly body: string;
  /** The response field sent as the body, or "" for the whole response. */
  readonly responseBody: string;
}

/** The shape of a google.api.HttpRule message as protobuf-es reads it, for the fields the reference shows. */
interface HttpRuleValue {
  pattern:
    | { case: "get" | "put" | "post" | "delete" | "patch"; value: string }
    | { case: "custom"; value: { kind: string; path: string } }
    | { case: undefined };
  body: string;
  responseBody: string;
  additionalBindings: HttpRuleValue[];
}

const httpOption = "google.api.http";

/** The extension google.api.http as the request declares it, or undefined when no file declares it. */
export function httpExtensionOf(registry: Registry): DescExtension | undefined {
  const extension = registry.getExtension(httpOption);
  if (extension === undefined) return undefined;
  if (
    extension.fieldKind !== "message" ||
    extension.message.typeName !== "google.api.HttpRule" ||
    extension.extendee.typeName !== "google.protobuf.MethodOptions"
  ) {
    throw new Error(
      `${httpOption} is declared in ${extension.file.proto.name}, but not as a google.api.HttpRule option on methods; the reference cannot read it`,
    );
  }
  return extension;
}

/** The method's bindings, the primary one first, then its additional_bindings; empty without the option. */
export function httpBindingsOf(method: DescMethod, extension: DescExtension | undefined): HttpBinding[] {
  if (extension === undefined || !hasOption(method, extension)) return [];
  const rule = getOption(method, extension) as unknown as HttpRuleValue;
  return [rule, ...rule.additionalBindings].flatMap((r) => {
    const binding = bindingOf(r);
    return binding === undefined ? [] : [binding];
  });
}

function bindingOf(rule: HttpRuleValue): HttpBinding | undefined {
  const { pattern, body, responseBody } = rule;
  switch (pattern.case) {
    case undefined:
      return undefined;
    case "custom":
      return { verb: pattern.value.kind, path: pattern.value.path, body, responseBody };
    default:
      return { verb: pattern.case.toUpperCase(), path: pattern.value, body, responseBody };
  }
}
