// What the wire-compatibility tests compare between two descriptors: every
// property of a field, message, enum and method that decides what goes on
// the wire (binary, JSON and REST), and nothing else.
import { getOption, hasOption, isFieldSet } from "@bufbuild/protobuf";
import { expect } from "vitest";
import type { DescEnum, DescField, DescMessage, DescMethod } from "@bufbuild/protobuf";
import { FieldDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { http } from "../../gen/google/api/annotations_pb.js";

export interface FieldShape {
  name: string;
  jsonName: string;
  number: number;
  kind: string;
  scalar?: number;
  typeName?: string;
  /** "optional" is proto3 `optional` (explicit presence through a synthetic oneof). */
  label: "repeated" | "optional" | "singular";
  packed?: boolean;
  oneof?: string;
}

export function fieldShape(f: DescField): FieldShape {
  const shape: FieldShape = {
    name: f.name,
    jsonName: f.jsonName,
    number: f.number,
    kind: f.fieldKind,
    label: f.fieldKind === "list" ? "repeated" : f.proto.proto3Optional ? "optional" : "singular",
  };
  if (f.fieldKind === "scalar") shape.scalar = f.scalar;
  if (f.fieldKind === "list") {
    shape.kind = `list:${f.listKind}`;
    shape.packed = f.packed;
    if (f.listKind === "scalar") shape.scalar = f.scalar;
    if (f.listKind === "message") shape.typeName = f.message.typeName;
    if (f.listKind === "enum") shape.typeName = f.enum.typeName;
  }
  if (f.fieldKind === "message") shape.typeName = f.message.typeName;
  if (f.fieldKind === "enum") shape.typeName = f.enum.typeName;
  if (f.oneof) shape.oneof = f.oneof.name;
  return shape;
}

/** The fields of a message by number. */
export function fieldShapes(m: DescMessage): FieldShape[] {
  return m.fields.map(fieldShape).sort((x, y) => x.number - y.number);
}

/**
 * The oneofs of a message as declared, synthetic ones (proto3 `optional`)
 * included, each with the numbers of its fields.
 */
export function oneofShapes(m: DescMessage): { name: string; fields: number[] }[] {
  return m.proto.oneofDecl.map((decl, index) => ({
    name: decl.name,
    fields: m.proto.field.filter((f) => isFieldSet(f, FieldDescriptorProtoSchema.field.oneofIndex) && f.oneofIndex === index).map((f) => f.number),
  }));
}

/** The values of an enum, in declaration order. */
export function enumValues(e: DescEnum): [string, number][] {
  return e.values.map((v) => [v.name, v.number]);
}

/** Every enum some field of the messages uses, keyed by full name. */
export function enumsOf(messages: Iterable<DescMessage>): Map<string, DescEnum> {
  const found = new Map<string, DescEnum>();
  for (const m of messages) {
    for (const f of m.fields) {
      if (f.fieldKind === "enum" || (f.fieldKind === "list" && f.listKind === "enum")) found.set(f.enum.typeName, f.enum);
      if (f.fieldKind === "map" && f.mapKind === "enum") found.set(f.enum.typeName, f.enum);
    }
  }
  return found;
}

/** Every message reachable from the given roots, keyed by full name. */
export function reachable(roots: DescMessage[]): Map<string, DescMessage> {
  const seen = new Map<string, DescMessage>();
  const visit = (m: DescMessage) => {
    if (seen.has(m.typeName)) return;
    seen.set(m.typeName, m);
    for (const f of m.fields) {
      if (f.fieldKind === "message") visit(f.message);
      if (f.fieldKind === "list" && f.listKind === "message") visit(f.message);
      if (f.fieldKind === "map" && f.mapKind === "message") visit(f.message);
    }
  };
  roots.forEach(visit);
  return seen;
}

/** A method's google.api.http rule, all of it, or undefined when it has none. */
export function httpRule(m: DescMethod) {
  if (!hasOption(m, http)) return undefined;
  const rule = getOption(m, http);
  return {
    pattern: rule.pattern.case,
    path: rule.pattern.value,
    body: rule.body,
    responseBody: rule.responseBody,
    additionalBindings: rule.additionalBindings.length,
  };
}

/** Our method and upstream's have the same kind, input and output types, and the same (present) HTTP rule. */
export function expectSameMethod(ours: DescMethod, theirs: DescMethod | undefined): void {
  expect(theirs, `${ours.name} missing upstream`).toBeDefined();
  if (!theirs) return;
  expect(ours.methodKind).toBe(theirs.methodKind);
  expect(ours.input.typeName).toBe(theirs.input.typeName);
  expect(ours.output.typeName).toBe(theirs.output.typeName);
  expect(httpRule(ours)).toBeDefined();
  expect(httpRule(ours)).toEqual(httpRule(theirs));
}
