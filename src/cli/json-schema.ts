/**
 * A small JSON Schema (2020-12) validator for the subset our schemas use, so
 * that `zmeta` needs no validator library. Its errors name the place in the
 * document (`users[2].roles[0]`) and say what would be right there, using
 * the schema's own `title` and `examples`.
 *
 * The subset: `type` (one name), `properties`, `required`,
 * `additionalProperties: false`, `items`, `minLength`, `enum`, `pattern`,
 * `anyOf`, `$ref` to `#/$defs/…`, and the annotations. A schema that uses any
 * other keyword is refused by {@link checkSchema} rather than half-checked.
 */
export interface JsonSchema {
  $schema?: string;
  $id?: string;
  $comment?: string;
  $defs?: Record<string, JsonSchema>;
  $ref?: string;
  title?: string;
  description?: string;
  examples?: unknown[];
  type?: JsonTypeName;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: false;
  items?: JsonSchema;
  minLength?: number;
  enum?: unknown[];
  pattern?: string;
  anyOf?: JsonSchema[];
}

export type JsonTypeName = "object" | "array" | "string" | "boolean" | "number" | "integer" | "null";

const annotations = ["$schema", "$id", "$comment", "title", "description", "examples"];
const assertions = ["$defs", "$ref", "type", "properties", "required", "additionalProperties", "items", "minLength", "enum", "pattern", "anyOf"];
const typeNames: readonly string[] = ["object", "array", "string", "boolean", "number", "integer", "null"];

/**
 * Throws an Error naming the first part of `schema` this validator does not
 * understand: an unknown keyword, a `$ref` that points nowhere, a bad regex.
 */
export function checkSchema(schema: JsonSchema): void {
  const visit = (node: JsonSchema, at: string): void => {
    if (typeof node !== "object" || node === null || Array.isArray(node)) throw new Error(`schema ${at}: not a schema object`);
    for (const key of Object.keys(node)) {
      if (!annotations.includes(key) && !assertions.includes(key)) throw new Error(`schema ${at}: keyword "${key}" is not supported`);
    }
    if (node.type !== undefined && !typeNames.includes(node.type)) throw new Error(`schema ${at}: type "${String(node.type)}" is not supported`);
    if (node.additionalProperties !== undefined && node.additionalProperties !== false) {
      throw new Error(`schema ${at}: only "additionalProperties": false is supported`);
    }
    if (node.$ref !== undefined) resolve(schema, node.$ref);
    if (node.pattern !== undefined) new RegExp(node.pattern, "u");
    for (const [name, sub] of Object.entries(node.$defs ?? {})) visit(sub, `${at}/$defs/${name}`);
    for (const [name, sub] of Object.entries(node.properties ?? {})) visit(sub, `${at}/properties/${name}`);
    for (const name of node.required ?? []) {
      if (!node.properties || !(name in node.properties)) throw new Error(`schema ${at}: required "${name}" is not among its properties`);
    }
    if (node.items !== undefined) visit(node.items, `${at}/items`);
    for (const [i, sub] of (node.anyOf ?? []).entries()) visit(sub, `${at}/anyOf/${i}`);
  };
  visit(schema, "#");
}

/**
 * Everything wrong with `value` under `schema`, one message per problem, each
 * starting with the path of the part at fault (nothing for the top level);
 * empty when the value is valid. Call {@link checkSchema} on the schema first.
 */
export function schemaProblems(schema: JsonSchema, value: unknown): string[] {
  const problems: string[] = [];
  validate(schema, schema, value, "", problems);
  return problems;
}

function validate(root: JsonSchema, node: JsonSchema, value: unknown, at: string, problems: string[]): void {
  if (node.$ref !== undefined) {
    validate(root, resolve(root, node.$ref), value, at, problems);
    return;
  }
  const say = (problem: string) => problems.push(at === "" ? problem : `${at}: ${problem}`);
  if (node.type !== undefined && !hasType(value, node.type)) {
    say(`expected ${noun(root, node)}, got ${shown(value)}`);
    return;
  }
  if (node.anyOf !== undefined) {
    const branches = node.anyOf.map((branch) => {
      const found: string[] = [];
      validate(root, branch, value, at, found);
      return found;
    });
    if (branches.some((found) => found.length === 0)) return;
    const leaves = node.anyOf.map((branch) => resolve(root, branch.$ref) ?? branch);
    if (typeof value === "string" && leaves.every((leaf) => leaf.type === undefined && (leaf.enum !== undefined || leaf.pattern !== undefined))) {
      // One list of what would do, rather than one complaint per branch.
      const allowed = leaves.map((leaf) => (leaf.enum !== undefined ? `one of ${leaf.enum.map(String).join(", ")}` : `a value matching ${leaf.pattern}`));
      say(`${shown(value)} is not ${node.title ?? "allowed here"}; use ${allowed.join(", or ")}`);
      return;
    }
    // The branch meant for this kind of value says what is wrong inside it.
    const typed = leaves.findIndex((leaf) => leaf.type !== undefined && hasType(value, leaf.type));
    if (typed >= 0) problems.push(...branches[typed]!);
    else say(`expected ${leaves.map((leaf) => noun(root, leaf)).join(", or ")}, got ${shown(value)}`);
    return;
  }
  if (node.enum !== undefined && !node.enum.some((allowed) => allowed === value)) {
    say(`${shown(value)} is not ${node.title ?? "allowed here"}; use one of ${node.enum.map(String).join(", ")}`);
  }
  if (typeof value === "string") {
    if (node.minLength !== undefined && [...value].length < node.minLength) {
      say(node.minLength === 1 ? "must not be empty" : `must be at least ${node.minLength} characters long`);
    }
    if (node.pattern !== undefined && !new RegExp(node.pattern, "u").test(value)) say(`${shown(value)} does not match ${node.pattern}`);
  }
  if (Array.isArray(value) && node.items !== undefined) {
    for (const [i, item] of value.entries()) validate(root, node.items, item, `${at}[${i}]`, problems);
  }
  if (isPlainObject(value)) {
    const properties = node.properties ?? {};
    const example = exampleOf(node);
    const allowed = Object.keys(properties);
    // Unknown fields first: a misspelt name is usually also the reason a required one is "missing".
    if (node.additionalProperties === false) {
      for (const name of Object.keys(value).filter((n) => !(n in properties))) {
        const meant = allowed.find((a) => a.toLowerCase() === name.toLowerCase());
        const hint = meant === undefined ? `allowed: ${allowed.map((a) => `"${a}"`).join(", ")}` : `did you mean "${meant}"?`;
        say(`unknown field "${name}" (${hint})`);
      }
    }
    for (const name of node.required ?? []) {
      if (!(name in value)) say(`missing "${name}"${example ? `, as in ${example}` : ""}`);
    }
    for (const [name, item] of Object.entries(value)) {
      const sub = properties[name];
      if (sub !== undefined) validate(root, sub, item, childPath(at, name), problems);
    }
  }
}

function resolve(root: JsonSchema, ref: string): JsonSchema;
function resolve(root: JsonSchema, ref: string | undefined): JsonSchema | undefined;
function resolve(root: JsonSchema, ref: string | undefined): JsonSchema | undefined {
  if (ref === undefined) return undefined;
  const name = /^#\/\$defs\/([^/]+)$/.exec(ref)?.[1];
  const target = name === undefined ? undefined : root.$defs?.[name];
  if (target === undefined) throw new Error(`schema: $ref "${ref}" does not name an entry of $defs`);
  return target;
}

function hasType(value: unknown, type: JsonTypeName): boolean {
  switch (type) {
    case "object":
      return isPlainObject(value);
    case "array":
      return Array.isArray(value);
    case "null":
      return value === null;
    case "integer":
      return Number.isInteger(value);
    default:
      return typeof value === type;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const typeNouns: Record<JsonTypeName, string> = {
  object: "an object",
  array: "an array",
  string: "a string",
  boolean: "true or false",
  number: "a number",
  integer: "a whole number",
  null: "null",
};

/** What a schema asks for, in words: `an organization (an object such as {"name":"acme"})`. */
function noun(root: JsonSchema, node: JsonSchema): string {
  const target = resolve(root, node.$ref) ?? node;
  const kind = target.type === undefined ? "a value" : typeNouns[target.type];
  const example = exampleOf(target);
  const plain = example === undefined ? kind : `${kind} such as ${example}`;
  return target.title === undefined ? plain : `${target.title} (${plain})`;
}

function exampleOf(node: JsonSchema): string | undefined {
  return node.examples?.length ? JSON.stringify(node.examples[0]) : undefined;
}

/** A value as an error shows it: short JSON for scalars, the kind for containers. */
function shown(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (isPlainObject(value)) return "an object";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `users` at the top, `users[0].roles` below it; names that are not identifiers in brackets. */
function childPath(at: string, name: string): string {
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) return `${at}[${JSON.stringify(name)}]`;
  return at === "" ? name : `${at}.${name}`;
}
