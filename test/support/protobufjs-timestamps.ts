// protobufjs' JSON is proto3 JSON but for one thing these messages use:
// google.protobuf.Timestamp. protobufjs has a JSON form for Any alone, so
// its toObject() writes a Timestamp as the plain message { seconds, nanos }
// and its fromObject() refuses the RFC 3339 string proto3 JSON has ("object
// expected"). A team that reads our JSON with protobufjs has to translate
// those fields; these two functions do it, walking protobufjs' reflection of
// the message and converting only the Timestamp leaves with protobuf-es' own
// Timestamp JSON codec. Everything else crosses untouched.
import { create, fromJson, toJson } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import protobuf from "protobufjs";

const timestampTypeName = ".google.protobuf.Timestamp";

/** A Timestamp as protobufjs' toObject({ longs: String, json: true }) writes it; zero fields are left out. */
export interface ProtobufjsTimestamp {
  seconds?: string;
  nanos?: number;
}

function mapTimestamps(type: protobuf.Type, value: unknown, path: string, convert: (leaf: unknown, path: string) => unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${path}: expected a ${type.fullName.slice(1)} object, got ${JSON.stringify(value)}`);
  }
  const out: Record<string, unknown> = { ...value };
  for (const field of type.fieldsArray) {
    const fieldValue = out[field.name];
    const fieldType = field.resolvedType;
    if (fieldValue === undefined || !(fieldType instanceof protobuf.Type)) continue;
    const one = (v: unknown, p: string) => (fieldType.fullName === timestampTypeName ? convert(v, p) : mapTimestamps(fieldType, v, p, convert));
    const fieldPath = `${path}.${field.name}`;
    out[field.name] = field.repeated ? (fieldValue as unknown[]).map((v, i) => one(v, `${fieldPath}[${i}]`)) : one(fieldValue, fieldPath);
  }
  return out;
}

/** Proto3 JSON (parsed) to protobufjs' object form: each RFC 3339 Timestamp becomes { seconds, nanos }. */
export function timestampsForProtobufjs(type: protobuf.Type, json: unknown): Record<string, unknown> {
  return mapTimestamps(type, json, type.name, (leaf) => {
    const ts = fromJson(TimestampSchema, leaf as string);
    return { seconds: ts.seconds.toString(), nanos: ts.nanos } satisfies ProtobufjsTimestamp;
  }) as Record<string, unknown>;
}

/** protobufjs' JSON object (toObject with json: true) to proto3 JSON: each { seconds, nanos } becomes an RFC 3339 string. */
export function timestampsForProto3(type: protobuf.Type, object: unknown): Record<string, unknown> {
  return mapTimestamps(type, object, type.name, (leaf, path) => {
    if (typeof leaf !== "object" || leaf === null) throw new TypeError(`${path}: expected protobufjs' { seconds, nanos }, got ${JSON.stringify(leaf)}`);
    const { seconds, nanos } = leaf as ProtobufjsTimestamp;
    return toJson(TimestampSchema, create(TimestampSchema, { seconds: BigInt(seconds ?? "0"), nanos: nanos ?? 0 }));
  }) as Record<string, unknown>;
}
